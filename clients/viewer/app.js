// The ISPyB reference viewer: log in, my proposals and sessions, a session's timeline
// with thumbnails, best results and statistics, a data collection's processing and
// images. Plain ES modules, no build step; every text goes in with textContent (no HTML
// from the API is ever parsed). docs/front-ends.md#the-reference-viewer lists the calls.

import { ApiError, forget, get, login, loginConfig, token } from "./api.js";

const main = document.getElementById("main");
const crumbs = document.getElementById("crumbs");
const errorBox = document.getElementById("error");
const logoutButton = document.getElementById("logout");
const TIMELINE_PAGE = 20;
const IMAGES_SHOWN = 6;

// --- small DOM helpers ---------------------------------------------------------------------

function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "class") element.className = value;
    else if (name.startsWith("on")) element.addEventListener(name.slice(2), value);
    else element.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

const fmt = (value, digits = 2, unit = "") =>
  value === null || value === undefined
    ? "–"
    : `${typeof value === "number" ? Number(value.toFixed(digits)) : value}${unit}`;
const when = (value) => (value ? value.replace("T", " ").slice(0, 16) : "–");
const duration = (seconds) => {
  if (!seconds) return "0 min";
  const hours = Math.floor(seconds / 3600);
  const minutes = Math.round((seconds % 3600) / 60);
  return hours ? `${hours} h ${minutes} min` : `${minutes} min`;
};

/** Replaces the page's content (arrays flattened, null left out). */
function show(...children) {
  main.replaceChildren(h("div", { class: "view" }, ...children));
}

function table(headings, rows, className) {
  return h(
    "table",
    { class: className },
    h("thead", {}, h("tr", {}, headings.map((text) => h("th", {}, text)))),
    h("tbody", {}, rows.map((cells) => h("tr", {}, cells.map((cell) => h("td", {}, cell))))),
  );
}

function showError(error) {
  errorBox.textContent = error instanceof ApiError ? `${error.message} (${error.status})` : String(error);
  errorBox.hidden = false;
}

function setCrumbs(...items) {
  crumbs.replaceChildren(
    ...items.flatMap((item, index) => [
      index ? " › " : "",
      item.href ? h("a", { href: item.href }, item.text) : h("span", {}, item.text),
    ]),
  );
}

/** Marks the view as drawn: the tests (and a person) know the data is there. */
function ready(view) {
  document.body.dataset.view = view;
  document.body.dataset.ready = "true";
}

// --- login -------------------------------------------------------------------------------

async function showLogin() {
  setCrumbs();
  logoutButton.hidden = true;
  const config = await loginConfig();
  const forms = config.plugins
    .filter((plugin) => plugin.needs.includes("password") || plugin.type === "dummy")
    .map((plugin) => loginForm(plugin));
  const others = config.plugins.filter((plugin) => !plugin.needs.includes("password") && plugin.type !== "dummy");
  show(
    h(
      "section",
      { class: "login" },
      h("h1", {}, "Log in"),
      forms.length ? forms : h("p", {}, "No password login is enabled at this site."),
      others.length
        ? h("p", { class: "muted" }, `Also enabled here (not in this viewer): ${others.map((p) => p.name).join(", ")}`)
        : null,
    ),
  );
  ready("login");
}

// What the browser may fill in each login field (a password manager's hints).
const AUTOCOMPLETE = { username: "username", password: "current-password" };

function loginForm(plugin) {
  const fields = plugin.needs.map((name) =>
    h(
      "label",
      {},
      name,
      h("input", {
        name,
        type: name === "password" ? "password" : "text",
        autocomplete: AUTOCOMPLETE[name] || "off",
        required: true,
      }),
    ),
  );
  const form = h(
    "form",
    { class: "login-form", "data-plugin": plugin.name },
    h("h2", {}, plugin.name),
    fields,
    h("button", { type: "submit" }, "Log in"),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    errorBox.hidden = true;
    const values = Object.fromEntries(new FormData(form).entries());
    try {
      await login(plugin.name, values);
      // The home view: through hashchange when the address changes, else drawn here.
      if (location.hash !== "#/") location.hash = "#/";
      else await route();
    } catch (error) {
      showError(error);
    }
  });
  return form;
}

// --- my proposals and sessions -------------------------------------------------------------

async function showHome() {
  setCrumbs({ text: "Proposals" });
  const [options, proposals, sessions] = await Promise.all([
    get("/core/options/ui"),
    get("/core/proposals?limit=100"),
    get("/core/sessions?limit=100&sort=-startDate"),
  ]);
  document.getElementById("site-name").textContent = options.siteName || "";
  const motd = document.getElementById("motd");
  motd.textContent = options.messageOfTheDay || "";
  motd.hidden = !options.messageOfTheDay;
  const byProposal = new Map();
  for (const session of sessions.results) {
    if (!byProposal.has(session.proposalId)) byProposal.set(session.proposalId, []);
    byProposal.get(session.proposalId).push(session);
  }
  show(
    h("h1", {}, "My proposals"),
    proposals.results.length ? null : h("p", {}, "You are on no proposal."),
    proposals.results.map((proposal) =>
      h(
        "section",
        { class: "proposal", "data-proposal": proposal.name },
        h("h2", {}, `${proposal.name} `, h("span", { class: "muted" }, proposal.title || "")),
        table(
          ["Session", "Beamline", "Start", "End"],
          (byProposal.get(proposal.proposalId) || []).map((session) => [
            h("a", { class: "session-link", href: `#/sessions/${encodeURIComponent(session.visit)}` }, session.visit),
            session.beamLineName || "–",
            when(session.startDate),
            when(session.endDate),
          ]),
          "sessions",
        ),
      ),
    ),
    sessions.links && sessions.links.next ? h("p", { class: "muted" }, "Only the newest 100 sessions are listed.") : null,
  );
  ready("home");
}

// --- a session: timeline and statistics ----------------------------------------------------

async function showSession(visit) {
  setCrumbs({ text: "Proposals", href: "#/" }, { text: visit });
  const ref = encodeURIComponent(visit);
  const [events, statistics] = await Promise.all([
    get(`/core/sessions/${ref}/events?limit=${TIMELINE_PAGE}`),
    get(`/core/sessions/${ref}/statistics`),
  ]);
  const list = h("ol", { class: "timeline" }, events.results.map(eventItem));
  const more = h("button", { type: "button", class: "more" }, "Older events");
  let next = events.links && events.links.next;
  more.hidden = !next;
  more.addEventListener("click", async () => {
    const page = await get(next);
    list.append(...page.results.map(eventItem));
    next = page.links && page.links.next;
    more.hidden = !next;
  });
  show(
    h("h1", {}, `Session ${visit}`),
    h("div", { class: "columns" }, h("section", { class: "events" }, h("h2", {}, "Timeline"), list, more), statisticsPanel(statistics)),
  );
  ready("session");
}

function eventItem(event) {
  const collectionId =
    event.type === "dataCollection"
      ? event.id
      : event.type === "dataCollectionGroup"
        ? (event.item.dataCollections || [])[0]
        : null;
  const title = collectionId ? h("a", { class: "dc-link", href: `#/data-collections/${collectionId}` }, event.title) : event.title;
  return h(
    "li",
    { class: `event ${event.type}`, "data-type": event.type, "data-id": event.id },
    event.thumbnailUrl
      ? h("img", { class: "thumbnail", src: event.thumbnailUrl, alt: event.title, width: 160 })
      : h("div", { class: "thumbnail none" }, event.type),
    h(
      "div",
      { class: "what" },
      h("h3", {}, title),
      h("p", { class: "muted" }, `${when(event.startTime)} → ${when(event.endTime)}`, event.sampleName ? ` · ${event.sampleName}` : ""),
      event.status ? h("p", { class: `status ${/fail|error|abort|stop/i.test(event.status) ? "bad" : ""}` }, event.status) : null,
      event.bestResult ? bestResult(event.bestResult) : null,
    ),
  );
}

function bestResult(best) {
  return h(
    "p",
    { class: "best" },
    `${best.processingPrograms || "Best result"}: ${best.spaceGroup || "?"}, `,
    `${fmt(best.resolutionLimitHigh, 2, " Å")}, ${fmt(best.completeness, 1, " %")} complete, `,
    `CC½ ${fmt(best.ccHalf, 1, " %")}, I/σ ${fmt(best.meanIOverSigI, 1)}`,
  );
}

function statisticsPanel(statistics) {
  const time = statistics.timeBreakdown;
  const share = (seconds) => h("meter", { min: 0, max: time.total || 1, value: seconds || 0 });
  const counts = statistics.counts;
  const quality = Object.entries(statistics.quality);
  return h(
    "section",
    { id: "statistics" },
    h("h2", {}, "Statistics"),
    table(
      ["Time", "", ""],
      [
        ["Collecting", duration(time.collecting), share(time.collecting)],
        ["Robot", duration(time.robot), share(time.robot)],
        ["Energy scans", duration(time.energyScans), share(time.energyScans)],
        ["XRF", duration(time.xrf), share(time.xrf)],
        ["Idle", duration(time.idle), share(time.idle)],
        ["Scheduled", duration(time.total), ""],
      ],
      "time-breakdown",
    ),
    table(
      ["Counts", ""],
      [
        ["Data collections", `${counts.dataCollections} (${counts.dataCollectionsFailed} failed, ${counts.dataCollectionsAborted} aborted)`],
        ["Images", counts.images],
        ["Robot actions", `${counts.robotActions} (${counts.robotActionsFailed} failed)`],
        ["Energy scans", counts.energyScans],
        ["XRF spectra", counts.xrfSpectra],
        ["Screenings", counts.screenings],
      ],
      "counts",
    ),
    table(
      ["Best results", "n", "min", "mean", "max"],
      quality.map(([name, q]) => [
        `${name}${q.unit ? ` (${q.unit})` : ""}`,
        q.count,
        fmt(q.min),
        fmt(q.mean),
        fmt(q.max),
      ]),
      "quality",
    ),
    table(
      ["Hour", "Data collections", "Images"],
      statistics.hourly.map((hour) => [when(hour.hour), hour.dataCollections, hour.images]),
      "hourly",
    ),
  );
}

// --- a data collection: processing and images ----------------------------------------------

async function showDataCollection(id) {
  const ref = encodeURIComponent(id);
  const [collection, processing, images] = await Promise.all([
    get(`/core/data-collections/${ref}`),
    get(`/core/data-collections/${ref}/processing`).then((page) => page.results),
    get(`/core/images?dataCollectionId=${ref}&limit=${IMAGES_SHOWN}`),
  ]);
  setCrumbs(
    { text: "Proposals", href: "#/" },
    { text: collection.visit, href: `#/sessions/${encodeURIComponent(collection.visit)}` },
    { text: `Data collection ${collection.dataCollectionId}` },
  );
  // Signed URLs: an <img> cannot send the token (docs/files.md).
  const snapshots = [1, 2, 3, 4].filter((n) => collection[`xtalSnapshotFullPath${n}`]);
  const [snapshotUrls, thumbnailUrls] = await Promise.all([
    Promise.all(snapshots.map((n) => get(`/core/data-collections/${ref}/snapshots/${n}/url`))),
    Promise.all(images.results.map((image) => get(`/core/images/${image.imageId}/thumbnail/url`))),
  ]);
  show(
    h("h1", {}, `${collection.experimentType || "Data collection"} ${collection.imagePrefix || ""}_${collection.dataCollectionNumber ?? ""}`),
    table(
      ["Start", "End", "Status", "Images", "Exposure", "Wavelength", "Transmission"],
      [[when(collection.startTime), when(collection.endTime), collection.runStatus || "–", collection.numberOfImages ?? "–", fmt(collection.exposureTime, 4, " s"), fmt(collection.wavelength, 4, " Å"), fmt(collection.transmission, 1, " %")]],
      "collection",
    ),
    h(
      "section",
      { id: "dc-images" },
      h("h2", {}, "Images"),
      snapshotUrls.length || thumbnailUrls.length ? null : h("p", { class: "muted" }, "No image files for this data collection."),
      snapshotUrls.map((signed, index) => h("figure", {}, h("img", { class: "snapshot", src: signed.url, alt: `Snapshot ${snapshots[index]}` }), h("figcaption", {}, `Crystal snapshot ${snapshots[index]}`))),
      thumbnailUrls.map((signed, index) => h("figure", {}, h("img", { class: "diffraction", src: signed.url, alt: "Diffraction image" }), h("figcaption", {}, `Image ${images.results[index].imageNumber ?? ""}`))),
    ),
    h("section", { id: "processing" }, h("h2", {}, "Processing"), processing.length ? processing.map(processingRun) : h("p", { class: "muted" }, "No processing of this data collection.")),
  );
  ready("data-collection");
}

function processingRun(run) {
  const program = run.program;
  const status = program.processingStatus === true ? "success" : program.processingStatus === false ? "failed" : "running";
  return h(
    "article",
    { class: `processing-run ${status}`, "data-program": program.autoProcProgramId },
    h("h3", {}, `${program.processingPrograms || "Processing"} `, h("span", { class: `status ${status === "failed" ? "bad" : ""}` }, status)),
    h("p", { class: "muted" }, `${when(program.processingStartTime)} → ${when(program.processingEndTime)}`, program.processingMessage ? ` · ${program.processingMessage}` : ""),
    run.results.map((result) => {
      const cell = result.autoProc || {};
      const shells = ["overall", "innerShell", "outerShell"].filter((shell) => result.statistics && result.statistics[shell]);
      return h(
        "div",
        { class: "result" },
        h("p", {}, `${cell.spaceGroup || "?"}  a=${fmt(cell.refinedCell_a, 1)} b=${fmt(cell.refinedCell_b, 1)} c=${fmt(cell.refinedCell_c, 1)} α=${fmt(cell.refinedCell_alpha, 1)} β=${fmt(cell.refinedCell_beta, 1)} γ=${fmt(cell.refinedCell_gamma, 1)}`),
        table(
          ["Shell", "Resolution (Å)", "Completeness (%)", "Multiplicity", "I/σ", "CC½ (%)", "Rmerge"],
          shells.map((shell) => {
            const s = result.statistics[shell];
            return [shell, `${fmt(s.resolutionLimitLow, 2)}–${fmt(s.resolutionLimitHigh, 2)}`, fmt(s.completeness, 1), fmt(s.multiplicity, 1), fmt(s.meanIOverSigI, 1), fmt(s.ccHalf, 1), fmt(s.rMerge, 3)];
          }),
          "shells",
        ),
      );
    }),
    run.attachments && run.attachments.length
      ? h("p", { class: "muted" }, `Files: ${run.attachments.map((a) => a.fileName).join(", ")}`)
      : null,
  );
}

// --- routing -----------------------------------------------------------------------------

async function route() {
  document.body.dataset.ready = "false";
  errorBox.hidden = true;
  logoutButton.hidden = !token();
  const path = location.hash.replace(/^#/, "") || "/";
  try {
    if (!token()) return await showLogin();
    let match;
    if ((match = path.match(/^\/sessions\/([^/]+)$/))) return await showSession(decodeURIComponent(match[1]));
    if ((match = path.match(/^\/data-collections\/([^/]+)$/))) return await showDataCollection(decodeURIComponent(match[1]));
    return await showHome();
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      forget();
      return showLogin();
    }
    showError(error);
    ready("error");
  }
}

logoutButton.addEventListener("click", () => {
  forget();
  if (location.hash !== "#/") location.hash = "#/";
  else route();
});
window.addEventListener("hashchange", route);
performance.setResourceTimingBufferSize(2000);
route();

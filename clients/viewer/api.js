// The ISPyB API as the viewer uses it: same origin (the gateway), a bearer token kept in
// sessionStorage (gone when the tab closes), answers and errors as JSON (docs/errors.md).

export const API = "/ispyb/api/v1";
const TOKEN_KEY = "ispyb.viewer.token";

export class ApiError extends Error {
  constructor(status, body) {
    super((body && body.message) || `HTTP ${status}`);
    this.status = status;
    this.code = body && body.code;
    this.details = body && body.details;
  }
}

export function token() {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function forget() {
  sessionStorage.removeItem(TOKEN_KEY);
}

async function call(method, path, body) {
  const headers = { Accept: "application/json" };
  const current = token();
  if (current) headers.Authorization = `Bearer ${current}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  // A path from the API itself (links.next, signed URLs) already starts with API.
  const url = path.startsWith(API) ? path : API + path;
  const response = await fetch(url, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: "omit",
  });
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

export const get = (path) => call("GET", path);

/** The login methods of this site (public): GET /auth/config. */
export const loginConfig = () => get("/auth/config");

/** POST /auth/login: keeps the access token for the next calls. */
export async function login(plugin, fields) {
  const answer = await call("POST", "/auth/login", { plugin, ...fields });
  sessionStorage.setItem(TOKEN_KEY, answer.access_token);
  return answer;
}

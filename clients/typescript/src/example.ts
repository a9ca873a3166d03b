// A front end's first steps with the typed client: log in, list the sessions one may see,
// then one session's data collections. Paths, parameters and answers are checked by tsc
// against src/schema.d.ts, generated from docs/openapi.json (npm run generate).
import createClient, { type Middleware } from "openapi-fetch";

import type { components, paths } from "./schema";

export type Session = components["schemas"]["SessionRead"];
export type SessionDataCollection = NonNullable<
  components["schemas"]["SessionDataCollectionList"]["results"]
>[number];
export type ApiError = components["schemas"]["Error"];

/** A client of every service through the gateway (baseUrl: e.g. http://localhost:8000). */
export function ispybClient(baseUrl: string) {
  const client = createClient<paths>({ baseUrl });
  let accessToken: string | undefined;
  const bearer: Middleware = {
    onRequest({ request }) {
      if (accessToken) request.headers.set("Authorization", `Bearer ${accessToken}`);
      return request;
    },
  };
  client.use(bearer);

  async function login(username: string, password: string): Promise<void> {
    const { data, error } = await client.POST("/ispyb/api/v1/auth/login", {
      body: { plugin: "local", username, password },
    });
    if (error) throw new Error(`login refused: ${error.code} ${error.message}`);
    accessToken = data.access_token;
  }

  async function sessions(beamLineName?: string): Promise<Session[]> {
    const { data, error } = await client.GET("/ispyb/api/v1/core/sessions", {
      params: { query: { limit: 25, sort: "-startDate", beamLineName } },
    });
    if (error) throw new Error(`sessions: ${error.code} ${error.message}`);
    return data.results ?? [];
  }

  async function dataCollections(session: string): Promise<SessionDataCollection[]> {
    const { data, error } = await client.GET(
      "/ispyb/api/v1/core/sessions/{ref}/data-collections",
      { params: { path: { ref: session }, query: { limit: 100 } } },
    );
    if (error) throw new Error(`data collections of ${session}: ${error.code} ${error.message}`);
    return data.results ?? [];
  }

  return { login, sessions, dataCollections };
}

/** Logs in as the demo user of `make run` and prints what a session page would show. */
export async function showFirstSession(baseUrl = "http://localhost:8000"): Promise<void> {
  const ispyb = ispybClient(baseUrl);
  await ispyb.login("alice", "demo-alice");
  const [first] = await ispyb.sessions();
  if (!first) {
    console.log("no session visible to alice");
    return;
  }
  console.log(`${first.visit} on ${first.beamLineName ?? "?"} from ${first.startDate ?? "?"}`);
  for (const collection of await ispyb.dataCollections(first.visit ?? String(first.sessionId))) {
    console.log(collection.dataCollectionId, collection.experimentType, collection.numberOfImages);
  }
}

// Call a token-protected service with the official ArcGIS REST JS authentication managers
// that need no user: `ApplicationCredentialsManager` (app credentials, client_credentials)
// and `ApiKeyManager` (an API key), and print what the service said.
//
// Used by tests/system/official_clients.rs to check that the demo portal's app tokens and API keys
// work with the real client; also handy by hand:
//
//   TOKENDESK_CLIENT_SECRET=demo-app-secret node tests/official/rest_js_app_auth.mjs \
//       --mode app-credentials --url https://127.0.0.1:PORT/portal/sharing/rest \
//       --client-id tokendesk-demo-app \
//       --service https://127.0.0.1:PORT/server/rest/services/Demo/MapServer --ca-file /tmp/ca.pem
//
// Inputs (argument, else environment variable):
//   --mode       TOKENDESK_MODE          `app-credentials` or `api-key`
//   --url        TOKENDESK_PORTAL_URL    the Sharing REST root (…/sharing/rest)
//   --service    TOKENDESK_SERVICE_URL   the protected service to call
//   --client-id  TOKENDESK_CLIENT_ID     app-credentials: the app; api-key: the API key
//                                        credential whose slot-1 key is minted when no key
//                                        is given
//   --ca-file    TOKENDESK_CA_FILE       PEM bundle to trust (re-runs node with
//                                        NODE_EXTRA_CA_CERTS when needed)
//   --npm-dir    TOKENDESK_OFFICIAL_NPM  where `npm ci` put node_modules
//   --timeout    TOKENDESK_TIMEOUT       seconds for everything (default 60)
//   secrets, environment only (never in a process list):
//                TOKENDESK_CLIENT_SECRET the app's or the credential's client secret
//                TOKENDESK_API_KEY       api-key mode: the key to use (else one is minted)
//
// On success prints `manager=<class>`, `service=<mapName>` and `token_reused=<bool>` (a second
// getToken gave the same token without asking again) on stdout and exits 0; on failure prints
// what failed, with the service's error, on stderr and exits 1 (2 for bad usage).

import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";

const PACKAGE = "@esri/arcgis-rest-request";
const here = path.dirname(fileURLToPath(import.meta.url));

function fail(message, code = 1) {
  process.stderr.write(`rest_js_app_auth: ${message}\n`);
  process.exit(code);
}

function options() {
  const env = process.env;
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        mode: { type: "string", default: env.TOKENDESK_MODE },
        url: { type: "string", default: env.TOKENDESK_PORTAL_URL },
        service: { type: "string", default: env.TOKENDESK_SERVICE_URL },
        "client-id": { type: "string", default: env.TOKENDESK_CLIENT_ID },
        "ca-file": { type: "string", default: env.TOKENDESK_CA_FILE },
        "npm-dir": {
          type: "string",
          default: env.TOKENDESK_OFFICIAL_NPM ?? path.join(here, "..", "..", "target", "official-clients", "npm"),
        },
        timeout: { type: "string", default: env.TOKENDESK_TIMEOUT ?? "60" },
      },
    }));
  } catch (err) {
    fail(err.message, 2);
  }
  if (!["app-credentials", "api-key"].includes(values.mode)) {
    fail(`--mode must be app-credentials or api-key, not ${values.mode}`, 2);
  }
  if (!values.url) fail("no portal URL: pass --url or set TOKENDESK_PORTAL_URL", 2);
  if (!values.service) fail("no service URL: pass --service or set TOKENDESK_SERVICE_URL", 2);
  if (values["ca-file"] && !existsSync(values["ca-file"])) fail(`CA file ${values["ca-file"]} does not exist`, 2);
  const timeout = Number(values.timeout);
  if (!(timeout > 0)) fail(`--timeout must be a positive number of seconds, not ${values.timeout}`, 2);
  return { ...values, timeout };
}

function rerunTrusting(caFile, timeoutSeconds) {
  const child = spawnSync(process.execPath, process.argv.slice(1), {
    env: { ...process.env, NODE_EXTRA_CA_CERTS: caFile },
    stdio: "inherit",
    timeout: (timeoutSeconds + 5) * 1000,
  });
  if (child.error) fail(`could not re-run node with NODE_EXTRA_CA_CERTS: ${child.error.message}`);
  process.exit(child.status ?? 1);
}

async function loadRestJs(npmDir) {
  const require = createRequire(path.join(path.resolve(npmDir), "package.json"));
  let manifestPath;
  try {
    manifestPath = require.resolve(`${PACKAGE}/package.json`);
  } catch {
    fail(`${PACKAGE} is not installed under ${npmDir}; run scripts/setup-official-clients`);
  }
  const manifest = require(manifestPath);
  const entry = path.join(path.dirname(manifestPath), manifest.exports["."].import);
  return import(pathToFileURL(entry).href);
}

function describe(err) {
  const said = err.response?.error;
  const detail = said ? ` (service said: code ${said.code}, ${said.message})` : "";
  const cause = err.cause ? ` (cause: ${err.cause.code ?? ""} ${err.cause.message ?? err.cause})` : "";
  return `${err.name}: ${err.message}${detail}${cause}`;
}

async function manager(rest, opts) {
  const secret = process.env.TOKENDESK_CLIENT_SECRET;
  if (opts.mode === "app-credentials") {
    if (!opts["client-id"] || !secret) fail("app-credentials needs --client-id and TOKENDESK_CLIENT_SECRET", 2);
    return rest.ApplicationCredentialsManager.fromCredentials({
      clientId: opts["client-id"],
      clientSecret: secret,
      portal: opts.url,
    });
  }
  let key = process.env.TOKENDESK_API_KEY;
  if (!key) {
    if (!opts["client-id"] || !secret) fail("api-key needs TOKENDESK_API_KEY, or --client-id and TOKENDESK_CLIENT_SECRET to mint one", 2);
    // Minting a key (slot 1) is what arcgis-rest-developer-credentials does on the wire.
    const minted = await rest.request(`${opts.url}/oauth2/token`, {
      params: {
        client_id: opts["client-id"],
        client_secret: secret,
        grant_type: "client_credentials",
        apiToken: 1,
        regenerateApiToken: false,
      },
    });
    key = minted.access_token;
    if (!key) fail("minting an API key answered no access_token");
  }
  return rest.ApiKeyManager.fromKey({ key, portal: opts.url });
}

async function main() {
  const opts = options();
  const caFile = opts["ca-file"] ? path.resolve(opts["ca-file"]) : undefined;
  if (caFile && process.env.NODE_EXTRA_CA_CERTS !== caFile) rerunTrusting(caFile, opts.timeout);
  const timer = setTimeout(() => fail(`timed out after ${opts.timeout} s`), opts.timeout * 1000);

  const rest = await loadRestJs(opts["npm-dir"]);
  let answer;
  let reused;
  let auth;
  try {
    auth = await manager(rest, opts);
    const first = await auth.getToken(opts.service);
    answer = await rest.request(opts.service, { authentication: auth, httpMethod: "GET" });
    reused = (await auth.getToken(opts.service)) === first;
  } catch (err) {
    fail(`${opts.mode} against ${opts.service} failed: ${describe(err)}`);
  }
  clearTimeout(timer);
  if (!answer?.mapName) fail(`the service answered without a mapName: ${JSON.stringify(Object.keys(answer ?? {}))}`);
  process.stdout.write(`manager=${auth.constructor.name}\nservice=${answer.mapName}\ntoken_reused=${reused}\n`);
}

await main();

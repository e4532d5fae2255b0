// Sign in to a portal with the official ArcGIS REST JS (`ArcGISIdentityManager.signIn` with
// username and password, then `getUser()`) and print who signed in.
//
// Used by tests/system/official_clients.rs to check that the demo portal is accepted by the real
// client; also handy by hand:
//
//   TOKENDESK_PASSWORD=tokendesk-demo node tests/official/rest_js_signin.mjs \
//       --url https://127.0.0.1:PORT/portal/sharing/rest --username analyst --ca-file /tmp/ca.pem
//
// Inputs (argument, else environment variable):
//   --url       TOKENDESK_PORTAL_URL   the Sharing REST root (…/sharing/rest): REST JS does no discovery
//   --username  TOKENDESK_USERNAME
//   --ca-file   TOKENDESK_CA_FILE      PEM bundle to trust; optional. Node reads trusted CAs only at
//                                      start-up (NODE_EXTRA_CA_CERTS), so the script re-runs itself
//                                      with that variable set when needed.
//   --npm-dir   TOKENDESK_OFFICIAL_NPM where `npm ci` put node_modules
//                                      (default: <repo>/target/official-clients/npm)
//   --timeout   TOKENDESK_TIMEOUT      seconds for the whole sign-in (default 60)
//   password:   TOKENDESK_PASSWORD     environment only, so it never shows in a process list
//
// On success prints exactly one line `username=<name>` on stdout and exits 0; on failure
// prints what failed on stderr and exits 1 (2 for bad usage).

import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";

const PACKAGE = "@esri/arcgis-rest-request";
const here = path.dirname(fileURLToPath(import.meta.url));

function fail(message, code = 1) {
  process.stderr.write(`rest_js_signin: ${message}\n`);
  process.exit(code);
}

function options() {
  const env = process.env;
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        url: { type: "string", default: env.TOKENDESK_PORTAL_URL },
        username: { type: "string", default: env.TOKENDESK_USERNAME },
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
  if (!values.url) fail("no portal URL: pass --url or set TOKENDESK_PORTAL_URL", 2);
  if (!values.username) fail("no username: pass --username or set TOKENDESK_USERNAME", 2);
  if (values["ca-file"] && !existsSync(values["ca-file"])) fail(`CA file ${values["ca-file"]} does not exist`, 2);
  const timeout = Number(values.timeout);
  if (!(timeout > 0)) fail(`--timeout must be a positive number of seconds, not ${values.timeout}`, 2);
  return { ...values, timeout };
}

// Node only trusts extra CAs named in NODE_EXTRA_CA_CERTS when the process starts.
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
  // Load the package's own ES module entry point, as an `import` from an app would.
  const manifest = require(manifestPath);
  const entry = path.join(path.dirname(manifestPath), manifest.exports["."].import);
  return import(pathToFileURL(entry).href);
}

async function main() {
  const opts = options();
  const caFile = opts["ca-file"] ? path.resolve(opts["ca-file"]) : undefined;
  if (caFile && process.env.NODE_EXTRA_CA_CERTS !== caFile) rerunTrusting(caFile, opts.timeout);

  const password = process.env.TOKENDESK_PASSWORD;
  if (!password) fail("no password: set TOKENDESK_PASSWORD (never passed as an argument)", 2);

  const timer = setTimeout(
    () => fail(`timed out after ${opts.timeout} s: the sign-in did not finish (is the portal answering?)`),
    opts.timeout * 1000,
  );
  const { ArcGISIdentityManager } = await loadRestJs(opts["npm-dir"]);
  let user;
  try {
    const manager = await ArcGISIdentityManager.signIn({
      username: opts.username,
      password,
      portal: opts.url,
    });
    user = await manager.getUser();
  } catch (err) {
    const cause = err.cause ? ` (cause: ${err.cause.code ?? ""} ${err.cause.message ?? err.cause})` : "";
    const details = err.response?.error?.details;
    const said = Array.isArray(details) && details.length ? ` (portal said: ${details.join(" ")})` : "";
    fail(`sign-in to ${opts.url} as ${opts.username} failed: ${err.name}: ${err.message}${said}${cause}`);
  }
  clearTimeout(timer);
  if (!user || !user.username) fail(`signed in to ${opts.url} but community/self named no user`);
  process.stdout.write(`username=${user.username}\n`);
}

await main();

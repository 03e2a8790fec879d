// Preloaded with `node --require`: writes every file Node loads as a module to $LOADS_FILE at exit,
// so a test can tell which bundles a command opened.
const Module = require("node:module");
const { writeFileSync } = require("node:fs");
const loaded = [];
const load = Module._load;
Module._load = function (request, parent, isMain) {
  try {
    loaded.push(Module._resolveFilename(request, parent, isMain));
  } catch {
    loaded.push(request);
  }
  return load.apply(this, arguments);
};
process.on("exit", () => writeFileSync(process.env.LOADS_FILE, JSON.stringify(loaded)));

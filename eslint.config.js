// `npm run lint` (with `prettier --check`): typescript-eslint's recommended rules over the sources,
// tests and scripts; Prettier owns the layout, so eslint-config-prettier turns off what would fight it.
import js from "@eslint/js";
import prettier from "eslint-config-prettier";
import globals from "globals";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["node_modules/", "dist/", "reports/", ".stryker-tmp/", ".bench/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: globals.node },
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
  {
    // The shim and the test preload are CommonJS: they require modules (see scripts/build.mjs).
    files: ["bin/**/*.js", "**/*.cjs"],
    languageOptions: { sourceType: "commonjs" },
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
  {
    // Tests read the tool's JSON documents, which are untyped by nature, and match its output
    // column for column, where literal spaces read better than counts.
    files: ["test/**/*.ts"],
    rules: { "@typescript-eslint/no-explicit-any": "off", "no-regex-spaces": "off" },
  },
  prettier,
  // After Prettier's config, which turns max-len off: Prettier cannot break a long string, this rule says where one is.
  { rules: { "max-len": ["error", { code: 140 }] } },
);

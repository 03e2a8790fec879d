#!/usr/bin/env node
import { installInterruptHandler, main } from "../dist/main.js";

installInterruptHandler();
process.exitCode = await main(process.argv.slice(2));

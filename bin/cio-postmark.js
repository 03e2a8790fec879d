#!/usr/bin/env node
import { installInterruptHandler } from "../dist/interrupt.js";
import { main } from "../dist/main.js";

installInterruptHandler();
process.exitCode = await main(process.argv.slice(2));

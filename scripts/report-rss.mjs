// Preloaded with --import by the benchmark: writes the process's peak memory (KiB) where it is told to.
import { writeFileSync } from "node:fs";

process.on("exit", () => writeFileSync(process.env.CIO_BENCH_RSS_FILE, String(process.resourceUsage().maxRSS)));

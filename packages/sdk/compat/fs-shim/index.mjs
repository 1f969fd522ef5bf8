export * from "node:fs";

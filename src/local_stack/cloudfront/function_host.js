// A long-lived Node process running CloudFront Functions for the emulator, one JSON object per
// line in each direction (spawning node per request would cost ~40 ms a page load).
// In:  {"code": "..."} loads a function (a fresh vm context, the globals runtime 2.0 offers:
//      Buffer; no require, no process, no timers); answer {"ok": true} or {"error": "..."}.
//      {"event": {...}, "now": seconds|null} runs handler(event) with Date.now() pinned to
//      `now` when given; answer {"result": ...} or {"error": "<type of the exception>"}.
//      {"bench": n, "events": [...], "now": seconds} runs handler over the events n times in
//      this process and answers {"ns_per_event": ...} (the benchmark's in-process loop).
'use strict';
const vm = require('vm');
const readline = require('readline');

let context = null;
let pinned = null;

function load(code) {
  context = vm.createContext({Buffer: Buffer});
  vm.runInContext('var __realNow = Date.now;', context);
  context.__pinned = () => pinned;
  vm.runInContext(
    'Date.now = function () { var p = __pinned(); return p === null ? __realNow() : p * 1000; };',
    context,
  );
  vm.runInContext(code, context, {filename: 'cloudfront_function.js', timeout: 1000});
  if (typeof context.handler !== 'function') throw new Error('the code defines no handler(event)');
}

function run(message) {
  if (message.code !== undefined) {
    load(message.code);
    return {ok: true};
  }
  if (context === null) throw new Error('no function loaded');
  pinned = typeof message.now === 'number' ? message.now : null;
  try {
    if (message.bench !== undefined) {
      const events = message.events;
      const start = process.hrtime.bigint();
      for (let i = 0; i < message.bench; i++) {
        for (const event of events) context.handler(event);
      }
      const ns = Number(process.hrtime.bigint() - start);
      return {ns_per_event: ns / (message.bench * events.length)};
    }
    return {result: context.handler(message.event)};
  } finally {
    pinned = null;
  }
}

readline.createInterface({input: process.stdin}).on('line', (line) => {
  let answer;
  try {
    answer = run(JSON.parse(line));
  } catch (e) {
    // The type and message only: the host never echoes an event (cookies) back.
    answer = {error: (e && e.name) || 'Error', message: String((e && e.message) || e).slice(0, 200)};
  }
  process.stdout.write(JSON.stringify(answer) + '\n');
});

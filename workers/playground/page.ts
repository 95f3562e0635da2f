/**
 * The playground served at `/`: one self-contained page (no framework, no build step, no external
 * requests) that calls the public API with a key typed into it and shows the speculation as it happens,
 * from the stream's opt-in provenance field (`cerberus.provenance`). Kept as a string so every entry
 * (Worker, Node, Deno) serves it without an assets step; the script avoids template literals for that.
 */
export const PLAYGROUND_HTML = String.raw`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>cerberus-edge playground</title>
<style>
  :root { --base: #e8e8e8; --h1: #b7e4c7; --h2: #a0c4ff; --h3: #ffd6a5; --h4: #ffadad; --copy: #d0bdf4; --ink: #1d1d1f; --muted: #6b6b70; }
  * { box-sizing: border-box; }
  body { font: 14px/1.45 system-ui, sans-serif; color: var(--ink); margin: 0; padding: 16px 20px; background: #fafafa; }
  h1 { font-size: 18px; margin: 0 0 10px; }
  h1 small { font-weight: normal; color: var(--muted); }
  form { display: flex; flex-wrap: wrap; gap: 8px 14px; align-items: end; margin-bottom: 10px; }
  label { display: flex; flex-direction: column; font-size: 12px; color: var(--muted); gap: 2px; }
  label.inline { flex-direction: row; align-items: center; gap: 5px; color: var(--ink); font-size: 13px; }
  input, select, textarea, button { font: inherit; }
  input[type=number] { width: 80px; }
  textarea { width: 100%; min-height: 54px; padding: 6px; }
  button { padding: 5px 14px; cursor: pointer; }
  .legend { display: flex; gap: 6px; margin: 6px 0 12px; font-size: 12px; align-items: center; }
  .legend span { padding: 1px 6px; border-radius: 3px; }
  .panes { display: grid; grid-template-columns: 1fr 1fr; gap: 14px; }
  .pane { background: #fff; border: 1px solid #ddd; border-radius: 6px; padding: 10px 12px; min-width: 0; }
  .pane h2 { font-size: 14px; margin: 0 0 6px; display: flex; justify-content: space-between; }
  .pane h2 .state { font-weight: normal; color: var(--muted); }
  .out { white-space: pre-wrap; min-height: 120px; font: 15px/1.6 Georgia, serif; border-bottom: 1px solid #eee; padding-bottom: 8px; }
  .tok { border-radius: 2px; }
  .from-0 { background: var(--base); } .from-1 { background: var(--h1); } .from-2 { background: var(--h2); }
  .from-3 { background: var(--h3); } .from-4, .from-5, .from-6, .from-7 { background: var(--h4); }
  .from-copy { background: var(--copy); }
  .plain { background: none; }
  .stats { display: grid; grid-template-columns: repeat(4, 1fr); gap: 4px 10px; margin: 8px 0; }
  .stat b { display: block; font-size: 17px; font-variant-numeric: tabular-nums; }
  .stat span { font-size: 11px; color: var(--muted); }
  .gate { display: flex; flex-wrap: wrap; gap: 2px; min-height: 12px; }
  .gate i { width: 9px; height: 12px; display: block; border-radius: 1px; background: #c9c9cc; }
  .gate i.parallel { background: #52b788; } .gate i.draft { background: #9d7fe0; } .gate i.a0 { background: #f4a261; }
  svg.trace { width: 100%; height: 60px; background: #fcfcfd; border: 1px solid #eee; margin-top: 6px; }
  .error { color: #b00020; white-space: pre-wrap; }
  .verdict { margin-top: 10px; font-weight: 600; min-height: 1.4em; }
  .hint { color: var(--muted); font-size: 12px; }
</style>
</head>
<body>
<h1>cerberus-edge playground <small>Cerberus adaptive parallel decoding, live</small></h1>
<form id="form" autocomplete="off">
  <label>API key <input id="key" type="password" size="18" placeholder="sk-..." required></label>
  <label>mode <select id="mode"><option>cerberus</option><option>medusa</option><option>ar</option></select></label>
  <label class="inline"><input id="gate" type="checkbox" checked> entropy gate</label>
  <label>temperature <input id="temperature" type="number" min="0" max="2" step="0.1" value="0"></label>
  <label>max tokens <input id="max-tokens" type="number" min="1" max="4096" value="128"></label>
  <label class="inline"><input id="race" type="checkbox" checked> race the same prompt in AR</label>
  <button id="send" type="submit">Send</button>
  <button id="stop" type="button" disabled>Stop</button>
  <textarea id="prompt" required>Once upon a time, there was a little dog named Max. He loved to play in the park.</textarea>
</form>
<div class="legend">how each token came:
  <span class="from-0">base step</span><span class="from-1">head 1</span><span class="from-2">head 2</span><span class="from-3">head 3</span><span class="from-4">head 4</span><span class="from-copy">copied from the context</span>
  <span class="hint">· gate strip: green = parallel step, purple = a draft copied from the context (orange: it accepted nothing extra), grey = plain AR step · chart: entropy per step (dots) and the gate threshold (line)</span>
</div>
<div class="panes">
  <section class="pane" id="pane-main"></section>
  <section class="pane" id="pane-race"></section>
</div>
<div class="verdict" id="verdict" data-testid="verdict"></div>
<p class="hint">The key stays in this page (memory only) and is sent only to this server's /v1 API.</p>
<template id="pane-template">
  <h2><span class="title"></span><span class="state" data-stat="state">idle</span></h2>
  <div class="out" data-role="out"></div>
  <div class="stats">
    <div class="stat"><b data-stat="tokens">0</b><span>tokens</span></div>
    <div class="stat"><b data-stat="tps">–</b><span>tokens/s (live)</span></div>
    <div class="stat"><b data-stat="tps-step">–</b><span>tokens per step</span></div>
    <div class="stat"><b data-stat="steps">0</b><span>steps (parallel / AR)</span></div>
    <div class="stat"><b data-stat="threshold">–</b><span>gate threshold (nats)</span></div>
    <div class="stat"><b data-stat="ttft">–</b><span>first token (ms)</span></div>
    <div class="stat"><b data-stat="total">–</b><span>total (ms)</span></div>
    <div class="stat"><b data-stat="engine-tps">–</b><span>engine tokens/s</span></div>
  </div>
  <div class="gate" data-role="gate"></div>
  <svg class="trace" data-role="trace" viewBox="0 0 300 60" preserveAspectRatio="none"></svg>
  <div class="error" data-role="error"></div>
</template>
<script>
(function () {
  'use strict';
  var $ = function (id) { return document.getElementById(id); };
  var SVG = 'http://www.w3.org/2000/svg';
  if (location.hostname === '127.0.0.1' || location.hostname === 'localhost') $('key').value = 'sk-dev-local';

  function makePane(root, title) {
    root.appendChild($('pane-template').content.cloneNode(true));
    root.querySelector('.title').textContent = title;
    var q = function (sel) { return root.querySelector(sel); };
    return {
      root: root,
      title: function (t) { q('.title').textContent = t; },
      out: q('[data-role=out]'), gate: q('[data-role=gate]'), trace: q('[data-role=trace]'), error: q('[data-role=error]'),
      stat: function (name, value) { q('[data-stat=' + name + ']').textContent = value; },
    };
  }
  var panes = { main: makePane($('pane-main'), 'cerberus'), race: makePane($('pane-race'), 'AR (race)') };
  var controller = null;

  function fmt(x, digits) { return x === null || x === undefined || !isFinite(x) ? '–' : x.toFixed(digits); }

  function drawTrace(pane, steps) {
    var svg = pane.trace;
    while (svg.firstChild) svg.removeChild(svg.firstChild);
    if (steps.length === 0) return;
    var max = 1;
    steps.forEach(function (s) { max = Math.max(max, s.entropy || 0, s.threshold || 0); });
    var x = function (i) { return steps.length === 1 ? 150 : (i / (steps.length - 1)) * 296 + 2; };
    var y = function (v) { return 58 - (v / max) * 54; };
    var points = [];
    steps.forEach(function (s, i) {
      if (s.threshold !== null) points.push(x(i).toFixed(1) + ',' + y(s.threshold).toFixed(1));
      if (s.entropy !== null) {
        var dot = document.createElementNS(SVG, 'circle');
        dot.setAttribute('cx', x(i)); dot.setAttribute('cy', y(s.entropy)); dot.setAttribute('r', 1.6);
        dot.setAttribute('fill', s.kind === 'parallel' ? '#52b788' : s.kind === 'draft' ? '#9d7fe0' : '#8d8d93');
        svg.appendChild(dot);
      }
    });
    if (points.length > 0) {
      var line = document.createElementNS(SVG, 'polyline');
      line.setAttribute('points', points.join(' '));
      line.setAttribute('fill', 'none'); line.setAttribute('stroke', '#d62828'); line.setAttribute('stroke-width', '1.2');
      line.setAttribute('data-role', 'threshold-line');
      svg.appendChild(line);
    }
  }

  function reset(pane) {
    pane.out.textContent = ''; pane.gate.textContent = ''; pane.error.textContent = '';
    ['tokens', 'steps'].forEach(function (n) { pane.stat(n, '0'); });
    ['tps', 'tps-step', 'threshold', 'ttft', 'total', 'engine-tps'].forEach(function (n) { pane.stat(n, '–'); });
    drawTrace(pane, []);
  }

  /** Reads an SSE body, calling onData with each parsed data payload. */
  async function readSse(response, onData) {
    var reader = response.body.getReader();
    var decoder = new TextDecoder();
    var buffer = '';
    for (;;) {
      var next = await reader.read();
      if (next.done) break;
      buffer += decoder.decode(next.value, { stream: true });
      var cut;
      while ((cut = buffer.indexOf('\n\n')) !== -1) {
        var event = buffer.slice(0, cut); buffer = buffer.slice(cut + 2);
        var data = event.split('\n').filter(function (l) { return l.indexOf('data: ') === 0; }).map(function (l) { return l.slice(6); }).join('\n');
        if (data && data !== '[DONE]') onData(JSON.parse(data));
      }
    }
  }

  async function run(pane, settings, signal) {
    reset(pane);
    pane.root.dataset.state = 'running';
    pane.stat('state', 'streaming…');
    var started = performance.now();
    var firstAt = null, tokens = 0, steps = [], parallel = 0, lastThreshold = null;
    var body = {
      model: settings.model, stream: true, stream_options: { include_usage: true },
      temperature: settings.temperature, max_tokens: settings.maxTokens,
      messages: [{ role: 'user', content: settings.prompt }],
      cerberus: { mode: settings.mode, gate: settings.gate, provenance: true },
    };
    var result = { ms: null, tokens: 0, engineTps: null };
    try {
      var response = await fetch('/v1/chat/completions', {
        method: 'POST', signal: signal,
        headers: { authorization: 'Bearer ' + settings.key, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      if (!response.ok) {
        var problem = await response.json().catch(function () { return {}; });
        throw new Error(response.status + ': ' + ((problem.error && problem.error.message) || response.statusText));
      }
      await readSse(response, function (chunk) {
        if (chunk.error) throw new Error(chunk.error.message);
        var delta = chunk.choices && chunk.choices[0] && chunk.choices[0].delta;
        var extra = chunk.cerberus;
        if (delta && delta.content) {
          if (firstAt === null) { firstAt = performance.now(); pane.stat('ttft', fmt(firstAt - started, 0)); }
          var spans = extra && extra.tokens && extra.tokens.length ? extra.tokens : [{ text: delta.content, from: null }];
          spans.forEach(function (s) {
            var span = document.createElement('span');
            span.className = 'tok ' + (s.from === null ? 'plain' : s.from >= 0 ? 'from-' + s.from : 'from-copy');
            span.dataset.from = s.from !== null && s.from < 0 ? 'copy' : String(s.from);
            span.title = s.from === null ? '' : s.from === 0 ? 'base model' : s.from < 0 ? 'copied from the context' : 'accepted from head ' + s.from;
            span.textContent = s.text;
            pane.out.appendChild(span);
          });
          ((extra && extra.steps) || []).forEach(function (step) {
            steps.push(step);
            tokens += step.tokens;
            if (step.kind !== 'ar') parallel++;
            if (step.threshold !== null) lastThreshold = step.threshold;
            var mark = document.createElement('i');
            mark.className = step.kind + (step.kind !== 'ar' && step.tokens <= 1 ? ' a0' : '');
            mark.title = step.kind + ', ' + step.tokens + ' token(s), entropy ' + fmt(step.entropy, 2) + (step.threshold === null ? '' : ' vs threshold ' + fmt(step.threshold, 2));
            pane.gate.appendChild(mark);
          });
          var seconds = (performance.now() - firstAt) / 1000;
          pane.stat('tokens', String(tokens));
          pane.stat('tps', seconds > 0.05 ? fmt(tokens / seconds, 0) : '–');
          pane.stat('tps-step', steps.length ? fmt(tokens / steps.length, 2) : '–');
          pane.stat('steps', steps.length + ' (' + parallel + ' / ' + (steps.length - parallel) + ')');
          pane.stat('threshold', fmt(lastThreshold, 2));
          drawTrace(pane, steps);
        }
        if (extra && typeof extra.mean_accepted_length === 'number') {
          // The closing statistics (usage chunk): the engine's own counts for the whole turn.
          var usage = chunk.usage || {};
          result.tokens = usage.completion_tokens || tokens;
          result.engineTps = extra.wall_ms > 0 ? (result.tokens / extra.wall_ms) * 1000 : null;
          pane.stat('tokens', String(result.tokens));
          pane.stat('tps-step', fmt(extra.mean_accepted_length, 2));
          pane.stat('steps', extra.steps + ' (' + extra.parallel_steps + ' / ' + extra.ar_steps + ')');
          if (extra.gate) pane.stat('threshold', fmt(extra.threshold, 2));
          pane.stat('engine-tps', fmt(result.engineTps, 0));
        }
      });
      result.ms = performance.now() - started;
      pane.stat('total', fmt(result.ms, 0));
      pane.stat('state', 'done');
      pane.root.dataset.state = 'done';
    } catch (error) {
      pane.root.dataset.state = signal.aborted ? 'stopped' : 'error';
      pane.stat('state', signal.aborted ? 'stopped' : 'error');
      if (!signal.aborted) pane.error.textContent = String(error && error.message ? error.message : error);
    }
    return result;
  }

  $('form').addEventListener('submit', async function (event) {
    event.preventDefault();
    if (controller) controller.abort();
    controller = new AbortController();
    var signal = controller.signal;
    $('send').disabled = true; $('stop').disabled = false; $('verdict').textContent = '';
    var key = $('key').value.trim();
    var settings = {
      key: key, model: null, prompt: $('prompt').value, mode: $('mode').value, gate: $('gate').checked,
      temperature: Number($('temperature').value), maxTokens: Number($('max-tokens').value),
    };
    try {
      var models = await fetch('/v1/models', { headers: { authorization: 'Bearer ' + key }, signal: signal });
      var list = await models.json();
      if (!models.ok) throw new Error(models.status + ': ' + (list.error ? list.error.message : 'cannot list models'));
      settings.model = list.data[0].id;
      panes.main.title(settings.mode + (settings.mode !== 'ar' && settings.gate ? ' + gate' : ''));
      var race = $('race').checked;
      $('pane-race').hidden = !race;
      var jobs = [run(panes.main, settings, signal)];
      if (race) jobs.push(run(panes.race, Object.assign({}, settings, { mode: 'ar' }), signal));
      var results = await Promise.all(jobs);
      if (race && results[0].ms && results[1].ms) {
        $('verdict').textContent = settings.mode + ' finished in ' + fmt(results[0].ms, 0) + ' ms, AR in ' + fmt(results[1].ms, 0) +
          ' ms (run side by side, sharing the server): ' + fmt(results[1].ms / results[0].ms, 2) + '× the AR speed';
      }
    } catch (error) {
      panes.main.error.textContent = String(error && error.message ? error.message : error);
    } finally {
      $('send').disabled = false; $('stop').disabled = true;
    }
  });
  $('stop').addEventListener('click', function () { if (controller) controller.abort(); });
})();
</script>
</body>
</html>
`;

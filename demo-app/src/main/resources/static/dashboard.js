// Live view of /actuator/ringkernels: a table of kernels and uPlot charts of queue depth,
// throughput and latency per kernel, refreshed every second; buttons toggle kernels and start load runs.
(function () {
  const HISTORY = 120;
  const times = [];
  const series = {};          // kernel id -> {depth:[], throughput:[], p50:[], p99:[]}
  const charts = {};
  let kernelIds = [];

  function ensureCharts(ids) {
    if (ids.join() === kernelIds.join()) return;
    kernelIds = ids;
    for (const name of ['depth', 'throughput', 'latency']) {
      const el = document.getElementById('chart-' + name);
      el.innerHTML = '';
      const s = [{}];
      for (const id of ids) {
        if (name === 'latency') {
          s.push({label: id + ' p50', stroke: color(id, 0)}, {label: id + ' p99', stroke: color(id, 1), dash: [6, 4]});
        } else {
          s.push({label: id, stroke: color(id, 0)});
        }
      }
      charts[name] = new uPlot({width: 460, height: 220, series: s, axes: [{}, {size: 70}]}, [[]], el);
    }
  }

  function color(id, shade) {
    const palette = [['#1f77b4', '#7fb3e0'], ['#d62728', '#f08a8b'], ['#2ca02c', '#8fd18f'], ['#9467bd', '#c9b3e0']];
    return palette[Math.abs(hash(id)) % palette.length][shade];
  }

  function hash(s) {
    let h = 0;
    for (const c of s) h = (h * 31 + c.charCodeAt(0)) | 0;
    return h;
  }

  function push(arr, v) {
    arr.push(v);
    if (arr.length > HISTORY) arr.shift();
  }

  function render(report) {
    document.getElementById('backend-name').textContent = report.backend ? report.backend.name : '?';
    document.getElementById('backend-reason').textContent = report.backend ? report.backend.reason : '';
    const kernels = report.kernels || {};
    const ids = Object.keys(kernels).sort();
    ensureCharts(ids);
    push(times, Date.now() / 1000);
    const body = document.querySelector('#kernels tbody');
    for (const id of ids) {
      const k = kernels[id];
      const s = series[id] || (series[id] = {depth: [], throughput: [], p50: [], p99: []});
      while (s.depth.length < times.length - 1) { s.depth.push(null); s.throughput.push(null); s.p50.push(null); s.p99.push(null); }
      push(s.depth, k.queues.requestDepth);
      push(s.throughput, k.throughputPerSecond);
      push(s.p50, k.latencyNanos.p50 / 1000);
      push(s.p99, k.latencyNanos.p99 / 1000);
      let row = body.querySelector('tr[data-kernel="' + id + '"]');
      if (!row) {
        row = document.createElement('tr');
        row.dataset.kernel = id;
        row.innerHTML = '<td class="id"></td><td class="backend"></td><td class="device"></td><td class="state"></td>' +
          '<td class="depth"></td><td class="processed"></td><td class="failed"></td><td class="throughput"></td>' +
          '<td class="p50"></td><td class="p99"></td><td class="heartbeat"></td>' +
          '<td><button class="toggle" data-kernel="' + id + '"></button></td>';
        row.querySelector('button').addEventListener('click', () => toggle(id, row.dataset.state));
        body.appendChild(row);
      }
      row.dataset.state = k.state;
      row.querySelector('.id').textContent = id;
      row.querySelector('.backend').textContent = k.backend;
      row.querySelector('.device').textContent = k.device;
      const state = row.querySelector('.state');
      state.textContent = k.state;
      state.className = 'state ' + k.state;
      row.querySelector('.depth').textContent = k.queues.requestDepth + ' / ' + k.queues.requestCapacity;
      row.querySelector('.processed').textContent = k.messages.processed;
      row.querySelector('.failed').textContent = k.messages.failed;
      row.querySelector('.throughput').textContent = Math.round(k.throughputPerSecond);
      row.querySelector('.p50').textContent = (k.latencyNanos.p50 / 1000).toFixed(1);
      row.querySelector('.p99').textContent = (k.latencyNanos.p99 / 1000).toFixed(1);
      row.querySelector('.heartbeat').textContent = k.heartbeatAgeMillis == null ? '–' : k.heartbeatAgeMillis.toFixed(1);
      row.querySelector('button').textContent = k.state === 'ACTIVE' ? 'Deactivate' : 'Activate';
    }
    update('depth', ids.map(id => series[id].depth));
    update('throughput', ids.map(id => series[id].throughput));
    update('latency', ids.flatMap(id => [series[id].p50, series[id].p99]));
  }

  function update(name, data) {
    const chart = charts[name];
    chart.setData([times.slice(), ...data.map(d => d.slice())]);
    const el = document.getElementById('chart-' + name);
    el.dataset.points = String(times.length);
    el.dataset.last = JSON.stringify(data.map(d => d[d.length - 1]));
  }

  async function refresh() {
    try {
      const r = await fetch('/actuator/ringkernels');
      if (r.ok) render(await r.json());
    } catch (e) {
      document.getElementById('backend-reason').textContent = 'refresh failed: ' + e;
    }
  }

  async function toggle(id, state) {
    const action = state === 'ACTIVE' ? 'deactivate' : 'activate';
    await fetch('/actuator/ringkernels/' + encodeURIComponent(id), {
      method: 'POST', headers: {'Content-Type': 'application/json'}, body: JSON.stringify({action: action})
    });
    refresh();
  }

  document.getElementById('load-start').addEventListener('click', async () => {
    const status = document.getElementById('load-status');
    const result = document.getElementById('load-result');
    status.textContent = 'running…';
    const body = {
      messages: Number(document.getElementById('load-messages').value),
      producers: Number(document.getElementById('load-producers').value)
    };
    const r = await fetch('/api/load', {method: 'POST', headers: {'Content-Type': 'application/json'}, body: JSON.stringify(body)});
    const json = await r.json();
    result.textContent = JSON.stringify(json, null, 2);
    status.textContent = r.ok ? 'done' : 'failed';
  });

  refresh();
  setInterval(refresh, 1000);
})();

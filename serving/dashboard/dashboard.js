// kosh leadership dashboard: fetches /dashboard/data (the session cookie authenticates) and draws it with chart.js.
// No build step; the charts are exposed as window.koshDashboard.charts for tests and for poking around.

(() => {
  const COLORS = {
    actual: '#2f6fbd',
    forecast: '#e07b00',
    band80: 'rgba(224, 123, 0, 0.28)',
    band95: 'rgba(224, 123, 0, 0.12)',
    new: '#2e9e5b',
    expansion: '#7cc48f',
    reactivation: '#4fa3d1',
    contraction: '#f0a45d',
    churned: '#c23b22',
    mrr: '#1f2933',
    allow: '#9aa5b1',
    review: '#e0a400',
    block: '#c23b22',
  };
  const inr = new Intl.NumberFormat('en-IN', { style: 'currency', currency: 'INR', maximumFractionDigits: 0 });
  const inrShort = new Intl.NumberFormat('en-IN', {
    style: 'currency',
    currency: 'INR',
    notation: 'compact',
    maximumFractionDigits: 1,
  });
  const pct = (x) => (x === null || x === undefined ? '–' : `${(x * 100).toFixed(1)} %`);
  const rupees = (paise) => inr.format(paise / 100);
  const rupeesShort = (paise) => inrShort.format(paise / 100);
  const $ = (id) => document.getElementById(id);

  const state = { charts: {}, data: null, loads: 0 };
  window.koshDashboard = state;

  Chart.defaults.font.size = 12;
  Chart.defaults.color = '#3e4c59';
  Chart.defaults.maintainAspectRatio = false;
  Chart.defaults.animation = false;

  const moneyAxis = { ticks: { callback: (v) => rupeesShort(v) } };
  const moneyTooltip = { callbacks: { label: (c) => `${c.dataset.label}: ${rupees(c.parsed.y ?? c.parsed)}` } };

  function draw(name, canvasId, config) {
    state.charts[name]?.destroy();
    state.charts[name] = new Chart($(canvasId), config);
  }

  function kpis(d) {
    const items = [
      [rupees(d.revenue.total_minor), `net revenue ${d.from} – ${d.to}`],
      [rupees(d.mrr.mrr), `MRR (${d.mrr.paying_customers} paying customers)`],
      [pct(d.payments.success_rate), `payment success (${d.payments.attempts.toLocaleString('en-IN')} attempts)`],
      [
        d.churn === null ? '–' : rupees(d.churn.revenue_at_risk_minor),
        d.churn === null ? 'churn: no report yet' : `monthly revenue at churn risk (${d.churn.at_risk} customers)`,
      ],
      [String(d.fraud.review_queue.pending), 'payments waiting for fraud review'],
      [rupees(d.invoices.outstanding), `invoices outstanding (${d.invoices.outstanding_count})`],
      [String(d.alerts.open.length), 'open alerts (platform-wide)'],
    ];
    $('kpis').replaceChildren(
      ...items.map(([value, label]) => {
        const div = document.createElement('div');
        div.className = 'kpi';
        const b = document.createElement('b');
        b.textContent = value;
        const span = document.createElement('span');
        span.textContent = label;
        div.append(b, span);
        return div;
      }),
    );
  }

  function revenue(d) {
    const r = d.revenue;
    const actual = new Map(r.actual.map((p) => [p.period, p.amount_minor]));
    const forecast = new Map(r.forecast.points.map((p) => [p.period, p]));
    const labels = [...new Set([...actual.keys(), ...forecast.keys()])].sort();
    const band = (k) => labels.map((l) => forecast.get(l)?.[k] ?? null);
    $('revenue-note').textContent =
      `per ${r.granularity}, net of refunds (ledger) · forecast: ${r.forecast.method}, data through ${r.forecast.as_of}` +
      (r.forecast.quarter_ape === null
        ? ''
        : ` · held-out quarter error ${r.forecast.quarter_ape.toFixed(1)} % (±5 % ${r.forecast.target_met ? 'met' : 'not met'})`);
    draw('revenue', 'chart-revenue', {
      type: 'line',
      data: {
        labels,
        datasets: [
          {
            label: 'Actual',
            data: labels.map((l) => actual.get(l) ?? null),
            borderColor: COLORS.actual,
            backgroundColor: COLORS.actual,
            pointRadius: 0,
            borderWidth: 2,
          },
          {
            label: 'Forecast',
            data: band('point_minor'),
            borderColor: COLORS.forecast,
            backgroundColor: COLORS.forecast,
            borderDash: [6, 4],
            pointRadius: 0,
            borderWidth: 2,
          },
          { label: '80 % upper', data: band('upper80_minor'), borderColor: 'transparent', pointRadius: 0, fill: false },
          {
            label: '80 % band',
            data: band('lower80_minor'),
            borderColor: 'transparent',
            backgroundColor: COLORS.band80,
            pointRadius: 0,
            fill: '-1',
          },
          { label: '95 % upper', data: band('upper95_minor'), borderColor: 'transparent', pointRadius: 0, fill: false },
          {
            label: '95 % band',
            data: band('lower95_minor'),
            borderColor: 'transparent',
            backgroundColor: COLORS.band95,
            pointRadius: 0,
            fill: '-1',
          },
        ],
      },
      options: {
        interaction: { mode: 'index', intersect: false },
        scales: { y: moneyAxis, x: { ticks: { maxTicksLimit: 14 } } },
        plugins: {
          tooltip: moneyTooltip,
          legend: { labels: { filter: (item) => !item.text.endsWith('upper') } },
        },
      },
    });
  }

  function mrr(d) {
    const m = d.mrr.months;
    $('mrr-note').textContent = `MRR now ${rupees(d.mrr.mrr)} · ARR ${rupees(d.mrr.arr)}`;
    const bar = (key, label) => ({
      type: 'bar',
      label,
      data: m.map((x) => x[key]),
      backgroundColor: COLORS[key],
      stack: 'moves',
      yAxisID: 'moves',
    });
    draw('mrr', 'chart-mrr', {
      data: {
        labels: m.map((x) => x.month),
        datasets: [
          bar('new', 'New'),
          bar('expansion', 'Expansion'),
          bar('reactivation', 'Reactivation'),
          bar('contraction', 'Contraction'),
          bar('churned', 'Churned'),
          {
            type: 'line',
            label: 'MRR at month end',
            data: m.map((x) => x.end_mrr),
            borderColor: COLORS.mrr,
            backgroundColor: COLORS.mrr,
            yAxisID: 'mrr',
            tension: 0.2,
          },
        ],
      },
      options: {
        interaction: { mode: 'index', intersect: false },
        scales: {
          moves: {
            position: 'left',
            stacked: true,
            suggestedMin: Math.min(0, ...m.map((x) => x.contraction + x.churned)) * 1.1,
            suggestedMax: Math.max(0, ...m.map((x) => x.new + x.expansion + x.reactivation)) * 1.1,
            ...moneyAxis,
            title: { display: true, text: 'movement' },
          },
          mrr: {
            position: 'right',
            ...moneyAxis,
            grid: { drawOnChartArea: false },
            title: { display: true, text: 'MRR' },
          },
          x: { stacked: true },
        },
        plugins: { tooltip: moneyTooltip },
      },
    });
  }

  function churn(d) {
    if (d.churn === null) {
      $('churn-note').textContent = d.churn_missing;
      $('churn-note').className = 'missing';
      state.charts.churnSchool?.destroy();
      state.charts.churnPlan?.destroy();
      delete state.charts.churnSchool;
      delete state.charts.churnPlan;
      return;
    }
    const c = d.churn;
    $('churn-note').className = '';
    $('churn-note').textContent =
      `report ${c.report_date} · ${c.at_risk} of ${c.customers} customers at risk (p ≥ 0.5)`;
    const chart = (name, canvas, rows) =>
      draw(name, canvas, {
        type: 'bar',
        data: {
          labels: rows.map((r) => (r.name === 'meal_packs' ? 'meal packs (no plan)' : r.name)),
          datasets: [
            {
              label: 'Monthly revenue at risk',
              data: rows.map((r) => r.revenue_at_risk_minor),
              backgroundColor: COLORS.churned,
              xAxisID: 'x',
            },
            {
              label: 'Customers at risk',
              data: rows.map((r) => r.at_risk),
              backgroundColor: COLORS.review,
              xAxisID: 'count',
            },
          ],
        },
        options: {
          indexAxis: 'y',
          scales: {
            x: { position: 'bottom', ...moneyAxis },
            count: { position: 'top', grid: { drawOnChartArea: false }, ticks: { precision: 0 } },
          },
        },
      });
    chart('churnSchool', 'chart-churn-school', c.by_school.slice(0, 10));
    chart('churnPlan', 'chart-churn-plan', c.by_plan.slice(0, 10));
  }

  function payments(d) {
    const p = d.payments;
    $('payments-note').textContent = `${pct(p.success_rate)} overall · ${p.failed.toLocaleString('en-IN')} failed`;
    draw('paymentMethods', 'chart-payment-methods', {
      type: 'bar',
      data: {
        labels: p.by_method.map((m) => m.method),
        datasets: [
          {
            label: 'Success rate',
            data: p.by_method.map((m) => (m.success_rate ?? 0) * 100),
            backgroundColor: COLORS.actual,
          },
        ],
      },
      options: {
        scales: { y: { min: 0, max: 100, ticks: { callback: (v) => `${v} %` } } },
        plugins: { legend: { display: false }, tooltip: { callbacks: { label: (c) => `${c.parsed.y.toFixed(1)} %` } } },
      },
    });
    const reasons = p.failure_reasons.slice(0, 8);
    draw('failureReasons', 'chart-failure-reasons', {
      type: 'bar',
      data: {
        labels: reasons.map((r) => r.reason.replaceAll('_', ' ')),
        datasets: [{ label: 'Failed attempts', data: reasons.map((r) => r.count), backgroundColor: COLORS.churned }],
      },
      options: { indexAxis: 'y', plugins: { legend: { display: false } }, scales: { x: { ticks: { precision: 0 } } } },
    });
  }

  function byWeek(days) {
    const weeks = new Map();
    for (const x of days) {
      const t = new Date(`${x.day}T00:00:00Z`);
      t.setUTCDate(t.getUTCDate() - ((t.getUTCDay() + 6) % 7));
      const key = t.toISOString().slice(0, 10);
      const w = weeks.get(key) ?? { day: key, allow: 0, review: 0, block: 0 };
      w.allow += x.allow;
      w.review += x.review;
      w.block += x.block;
      weeks.set(key, w);
    }
    return [...weeks.values()];
  }

  function fraud(d) {
    const f = d.fraud;
    $('fraud-note').textContent =
      `${f.totals.allow.toLocaleString('en-IN')} allowed · ${f.totals.review} review · ${f.totals.block} blocked`;
    // Over two months of days, weeks (Monday-started) read better than thin daily bars.
    const days = f.by_day.length <= 62 ? f.by_day : byWeek(f.by_day);
    draw('fraudDecisions', 'chart-fraud-decisions', {
      data: {
        labels: days.map((x) => x.day),
        datasets: [
          {
            type: 'bar',
            label: 'Review',
            data: days.map((x) => x.review),
            backgroundColor: COLORS.review,
            stack: 'held',
            yAxisID: 'held',
          },
          {
            type: 'bar',
            label: 'Block',
            data: days.map((x) => x.block),
            backgroundColor: COLORS.block,
            stack: 'held',
            yAxisID: 'held',
          },
          {
            type: 'line',
            label: 'Allow',
            data: days.map((x) => x.allow),
            borderColor: COLORS.allow,
            backgroundColor: COLORS.allow,
            pointRadius: 0,
            yAxisID: 'allow',
          },
        ],
      },
      options: {
        interaction: { mode: 'index', intersect: false },
        scales: {
          held: {
            position: 'left',
            stacked: true,
            ticks: { precision: 0 },
            title: { display: true, text: 'review / block' },
          },
          allow: { position: 'right', grid: { drawOnChartArea: false }, title: { display: true, text: 'allow' } },
          x: { stacked: true, ticks: { maxTicksLimit: 10 } },
        },
      },
    });
    const q = f.review_queue;
    $('review-note').textContent =
      `${q.pending} pending (${rupees(q.pending_amount)})` +
      (q.oldest_pending_at === null ? '' : ` · oldest since ${String(q.oldest_pending_at).slice(0, 10)}`);
    draw('reviewQueue', 'chart-review-queue', {
      type: 'bar',
      data: {
        labels: ['Pending now', 'Approved in range', 'Declined in range'],
        datasets: [
          {
            label: 'Reviews',
            data: [q.pending, q.approved, q.declined],
            backgroundColor: [COLORS.review, COLORS.new, COLORS.block],
          },
        ],
      },
      options: { plugins: { legend: { display: false } }, scales: { y: { ticks: { precision: 0 } } } },
    });
  }

  function invoices(d) {
    const i = d.invoices;
    $('invoice-note').textContent =
      `${rupees(i.outstanding)} outstanding · collected ${pct(i.collection_rate)}` +
      (i.dso_days === null ? '' : ` · DSO ${i.dso_days} days`);
    const a = i.aging;
    draw('invoiceAging', 'chart-invoice-aging', {
      type: 'bar',
      data: {
        labels: ['Not yet due', '1–30 days', '31–60 days', '61–90 days', '> 90 days'],
        datasets: [
          {
            label: 'Outstanding',
            data: [a.current, a.d1_30, a.d31_60, a.d61_90, a.d90_plus],
            backgroundColor: ['#7cc48f', '#f0c75e', '#f0a45d', '#e07b00', '#c23b22'],
          },
        ],
      },
      options: { plugins: { legend: { display: false }, tooltip: moneyTooltip }, scales: { y: moneyAxis } },
    });
  }

  function alerts(d) {
    const rows = d.alerts.in_range;
    draw('alerts', 'chart-alerts', {
      type: 'bar',
      data: {
        labels: rows.map((r) => r.rule.replaceAll('_', ' ')),
        datasets: [
          {
            label: 'Alerts in range (open + resolved)',
            data: rows.map((r) => r.open + r.resolved),
            backgroundColor: rows.map((r) => (r.open > 0 ? COLORS.block : COLORS.allow)),
          },
        ],
      },
      options: { indexAxis: 'y', plugins: { legend: { display: false } }, scales: { x: { ticks: { precision: 0 } } } },
    });
    const list = $('open-alerts');
    if (d.alerts.open.length === 0) {
      const li = document.createElement('li');
      li.textContent = 'No open alerts.';
      list.replaceChildren(li);
      return;
    }
    list.replaceChildren(
      ...d.alerts.open.map((a) => {
        const li = document.createElement('li');
        const sev = document.createElement('span');
        sev.className = a.severity;
        sev.textContent = a.severity.toUpperCase();
        li.append(sev, ` ${a.summary} (since ${String(a.opened_at).slice(0, 16).replace('T', ' ')} UTC)`);
        return li;
      }),
    );
  }

  function schools(d) {
    const select = $('school');
    if (select.options.length > 1) return;
    for (const s of d.schools) select.add(new Option(s.name, s.id));
  }

  async function load() {
    const params = new URLSearchParams();
    for (const k of ['from', 'to', 'school_id']) {
      const v = new FormData($('filters')).get(k);
      if (typeof v === 'string' && v !== '') params.set(k, v);
    }
    $('status').className = 'status';
    $('status').textContent = 'Loading…';
    const res = await fetch(`/dashboard/data?${params}`, {
      credentials: 'same-origin',
      headers: { accept: 'application/json' },
    });
    if (res.status === 401) {
      window.location.assign('/dashboard');
      return;
    }
    const body = await res.json();
    if (!res.ok) {
      $('status').className = 'status error';
      $('status').textContent = `${body.title}: ${body.detail ?? body.code}`;
      return;
    }
    state.data = body;
    schools(body);
    $('from').value = body.from;
    $('to').value = body.to;
    $('school').value = body.school === null ? '' : body.school.id;
    kpis(body);
    revenue(body);
    mrr(body);
    churn(body);
    payments(body);
    fraud(body);
    invoices(body);
    alerts(body);
    state.loads++;
    $('status').textContent =
      `${body.school === null ? 'All schools' : body.school.name} · ${body.from} to ${body.to} (IST) · updated ${new Date(body.generated_at).toLocaleTimeString('en-IN')}`;
  }
  state.load = load;

  $('filters').addEventListener('submit', (event) => {
    event.preventDefault();
    load().catch((err) => {
      $('status').className = 'status error';
      $('status').textContent = String(err);
    });
  });
  load().catch((err) => {
    $('status').className = 'status error';
    $('status').textContent = String(err);
  });
})();

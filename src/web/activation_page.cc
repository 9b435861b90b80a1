#include "web/activation_page.h"

#include <string_view>

#include "web/page_util_internal.h"
#include "web/partner_guides.h"

namespace lakeshare::web {

namespace {

constexpr std::string_view kPage = R"HTML(<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Activate your data share</title>
<link rel="stylesheet" href="@ASSETS@/activation.css">
<script defer src="@ASSETS@/activation.js"></script>
</head>
<body data-management-prefix="@MGMT@" data-sharing-endpoint="@ENDPOINT@">
<main>
  <h1>Activate your data share</h1>
  <p id="status" role="status">Checking your activation link&hellip;</p>
  <section id="details" hidden>
    <dl>
      <dt>Shared by</dt><dd id="organization"></dd>
      <dt>Recipient</dt><dd id="recipient"></dd>
      <dt>Link valid until</dt><dd id="expires"></dd>
    </dl>
    <p class="warning"><strong>The credential file can be downloaded only once.</strong>
    Store it like a password: anyone holding it can read the data shared with you.</p>
    <button id="download" type="button">Download credential file</button>
  </section>
  <section id="done" hidden>
    <h2>Your credential file is downloaded</h2>
    <p>Your browser saved it as <code>config.share</code>, usually in your Downloads folder.</p>
    <p class="warning"><strong>Protect it now.</strong> Browsers save files readable by every
    user of the computer. Move it where only you can read it, for example
    <code>chmod 600 ~/Downloads/config.share</code> (macOS, Linux), or a folder of your own
    (Windows); never send it by e-mail or commit it.</p>
    <p id="tables-status">Looking up the tables shared with you&hellip;</p>
    <div id="tables-found" hidden>
      <p>The tables shared with you:</p>
      <ul id="tables"></ul>
      <p>Read one with pandas (<code>pip install delta-sharing</code>), from the folder that
      holds <code>config.share</code>:</p>
      <pre><code id="pandas-example"></code></pre>
    </div>
    <p>Spark, Power BI, Tableau and Excel read the same file: see the
    <a id="guides" href="@ENDPOINT@/guides/">partner guides</a>, served by this server.</p>
  </section>
</main>
</body>
</html>
)HTML";

constexpr std::string_view kScript = R"JS('use strict';
(function () {
  const body = document.body;
  const prefix = body.dataset.managementPrefix;
  const parts = window.location.pathname.split('/').filter(Boolean);
  const token = decodeURIComponent(parts[parts.length - 1] || '');
  const el = (id) => document.getElementById(id);
  const say = (text, isError) => {
    el('status').textContent = text;
    el('status').className = isError ? 'error' : '';
  };
  const when = (v) => {
    if (v === undefined || v === null || v === '') return 'no expiry';
    const d = new Date(typeof v === 'number' ? v : (/^\d+$/.test(v) ? Number(v) : v));
    return isNaN(d.getTime()) ? String(v) : d.toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
  };
  const messageOf = async (res) => {
    try {
      const j = await res.json();
      return j.message || j.error_code || ('HTTP ' + res.status);
    } catch (e) {
      return 'HTTP ' + res.status;
    }
  };
  async function load() {
    if (!token) { say('This activation link is incomplete. Ask your data provider for a new one.', true); return; }
    const res = await fetch(prefix + '/public/data_sharing_activation_info/' + encodeURIComponent(token),
                            { cache: 'no-store', credentials: 'omit' });
    if (!res.ok) { say(await messageOf(res), true); return; }
    const info = await res.json();
    // A credential page must name its sender: when the provider set no organisation name, the
    // server's own address is the sender the partner can check.
    const organization = (info.organizationName || '').trim();
    el('organization').textContent = organization ||
      ('the server at ' + window.location.host + ' (the provider set no organisation name)');
    el('recipient').textContent = info.recipientName || '(unnamed)';
    el('expires').textContent = when(info.activationLinkExpirationTime);
    if (info.expired === true) {
      say('This activation link has expired. Ask your data provider for a new one.', true);
      return;
    }
    if (info.used === true) {
      say('This activation link was already used: the credential file can be downloaded only once. ' +
          'Ask your data provider to rotate your token for a new link.', true);
      return;
    }
    say('Ready. Download your credential file below.', false);
    el('details').hidden = false;
  }
  async function download() {
    const button = el('download');
    button.disabled = true;
    const res = await fetch(prefix + '/public/data_sharing_activation/' + encodeURIComponent(token),
                            { cache: 'no-store', credentials: 'omit' });
    if (!res.ok) { say(await messageOf(res), true); return; }
    const text = await res.text();
    const url = URL.createObjectURL(new Blob([text], { type: 'application/json' }));
    const a = document.createElement('a');
    a.href = url;
    a.download = 'config.share';
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60000);
    el('details').hidden = true;
    el('done').hidden = false;
    say('Done.', false);
    showTables(JSON.parse(text)).catch((e) => {
      el('tables-status').textContent = 'Could not list your tables (' + e.message + '); the ' +
        'guides show how to list them with your tool.';
    });
  }
  // The tables this credential reads, listed with its own token through the protocol API (same
  // origin), so the example names a real table. The token stays in this function.
  async function showTables(profile) {
    const endpoint = body.dataset.sharingEndpoint;
    const get = async (path) => {
      const res = await fetch(endpoint + path, {
        cache: 'no-store', credentials: 'omit',
        headers: { Authorization: 'Bearer ' + profile.bearerToken } });
      if (!res.ok) throw new Error(await messageOf(res));
      return res.json();
    };
    const names = [];
    const shares = (await get('/shares?maxResults=100')).items || [];
    for (const share of shares.slice(0, 20)) {
      const tables = (await get('/shares/' + encodeURIComponent(share.name) +
                                '/all-tables?maxResults=500')).items || [];
      for (const t of tables) names.push(t.share + '.' + t.schema + '.' + t.name);
    }
    if (names.length === 0) {
      el('tables-status').textContent = 'No table is shared with you yet; ask your data provider.';
      return;
    }
    const list = el('tables');
    for (const name of names) {
      const item = document.createElement('li');
      const code = document.createElement('code');
      code.textContent = name;
      item.appendChild(code);
      list.appendChild(item);
    }
    el('pandas-example').textContent = 'import delta_sharing\n' +
      'df = delta_sharing.load_as_pandas("config.share#' + names[0] + '")\n' +
      'print(df.head())';
    el('tables-status').hidden = true;
    el('tables-found').hidden = false;
  }
  el('download').addEventListener('click', () => { download().catch((e) => say(String(e), true)); });
  load().catch((e) => say('Could not reach the server: ' + e, true));
})();
)JS";

constexpr std::string_view kStyle = R"CSS(body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;background:#f6f7f9;color:#1c2430}
main{max-width:42rem;margin:3rem auto;background:#fff;padding:2rem 2.5rem;border-radius:8px;box-shadow:0 1px 4px rgba(0,0,0,.08)}
h1{font-size:1.5rem;margin-top:0}dl{display:grid;grid-template-columns:10rem 1fr;gap:.4rem 1rem}dt{color:#5a6472}dd{margin:0}
.warning{background:#fff6e0;border-left:4px solid #e0a100;padding:.6rem .8rem}.error{color:#b00020;font-weight:600}
button{font-size:1rem;padding:.6rem 1.2rem;border:0;border-radius:6px;background:#1f5fbf;color:#fff;cursor:pointer}
button:disabled{background:#9aa7b8;cursor:default}pre{background:#f0f2f5;padding:.8rem;overflow:auto}
)CSS";

std::string Replace(std::string text, std::string_view from, std::string_view to) {
  for (size_t pos = text.find(from); pos != std::string::npos;
       pos = text.find(from, pos + to.size())) {
    text.replace(pos, from.size(), to);
  }
  return text;
}

}  // namespace

Status RegisterActivationPage(http::Router& router, const ActivationPageOptions& options) {
  const std::string assets = options.sharing_endpoint + "/activation-assets";
  std::string page = Replace(std::string(kPage), "@ASSETS@", internal::HtmlEscape(assets));
  page = Replace(std::move(page), "@MGMT@", internal::HtmlEscape(options.management_prefix));
  page = Replace(std::move(page), "@ENDPOINT@", internal::HtmlEscape(options.sharing_endpoint));
  http::RouteOptions route_options;
  route_options.authenticate = false;
  route_options.log_path = false;  // the path holds the activation token
  LS_RETURN_IF_ERROR(router.Handle(
      "GET", options.sharing_endpoint + "/activation/{token}",
      [page](http::Request& request) -> Result<http::Response> {
        request.audit()->action = "viewActivationPage";
        http::Response response = http::Response::Text(page, 200, "text/html; charset=utf-8");
        internal::SetPageHeaders(response);
        return response;
      },
      route_options));
  http::RouteOptions asset_options;
  asset_options.authenticate = false;
  for (auto [name, body, type] :
       {std::tuple<std::string_view, std::string_view, std::string_view>{
            "activation.js", kScript, "text/javascript; charset=utf-8"},
        {"activation.css", kStyle, "text/css; charset=utf-8"}}) {
    std::string content(body);
    std::string content_type(type);
    LS_RETURN_IF_ERROR(router.Handle(
        "GET", assets + "/" + std::string(name),
        [content, content_type](http::Request&) -> Result<http::Response> {
          http::Response response = http::Response::Text(content, 200, content_type);
          internal::SetPageHeaders(response);
          response.SetHeader("Cache-Control", "public, max-age=300");
          return response;
        },
        asset_options));
  }
  return RegisterPartnerGuides(router, options.sharing_endpoint);
}

}  // namespace lakeshare::web

#include "web/activation_page.h"

#include <string_view>

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
      <dt>Shared by</dt><dd id="organization">&ndash;</dd>
      <dt>Recipient</dt><dd id="recipient">&ndash;</dd>
      <dt>Link valid until</dt><dd id="expires">&ndash;</dd>
    </dl>
    <p class="warning"><strong>The credential file can be downloaded only once.</strong>
    Store it like a password: anyone holding it can read the data shared with you.</p>
    <button id="download" type="button">Download credential file</button>
  </section>
  <section id="done" hidden>
    <h2>Your credential file is downloaded</h2>
    <p>Saved as <code>config.share</code>. Read a table with pandas in two lines:</p>
    <pre><code>import delta_sharing
df = delta_sharing.load_as_pandas("config.share#&lt;share&gt;.&lt;schema&gt;.&lt;table&gt;")</code></pre>
    <p>List what is shared with you:</p>
    <pre><code>delta_sharing.SharingClient("config.share").list_all_tables()</code></pre>
    <p>Spark, Power BI, Tableau and Excel read the same file: see the partner guides that came
    with your invitation.</p>
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
      return j.message || j.error_code || j.errorCode || ('HTTP ' + res.status);
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
    el('organization').textContent = info.organizationName || info.organization_name || '–';
    el('recipient').textContent = info.recipientName || info.recipient_name || '–';
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

void SetPageHeaders(http::Response& response) {
  response.SetHeader("Cache-Control", "no-store");
  response.SetHeader("Referrer-Policy", "no-referrer");
  response.SetHeader("X-Frame-Options", "DENY");
  response.SetHeader("X-Content-Type-Options", "nosniff");
  response.SetHeader("Content-Security-Policy",
                     "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
                     "img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'");
}

std::string Replace(std::string text, std::string_view from, std::string_view to) {
  for (size_t pos = text.find(from); pos != std::string::npos;
       pos = text.find(from, pos + to.size())) {
    text.replace(pos, from.size(), to);
  }
  return text;
}

/// Escape for an HTML attribute value (the prefixes are operator configuration, not input, but
/// the page must stay well-formed whatever they hold).
std::string AttributeEscape(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '"': out += "&quot;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      default: out += c;
    }
  }
  return out;
}

}  // namespace

Status RegisterActivationPage(http::Router& router, const ActivationPageOptions& options) {
  const std::string assets = options.sharing_endpoint + "/activation-assets";
  std::string page = Replace(std::string(kPage), "@ASSETS@", AttributeEscape(assets));
  page = Replace(std::move(page), "@MGMT@", AttributeEscape(options.management_prefix));
  page = Replace(std::move(page), "@ENDPOINT@", AttributeEscape(options.sharing_endpoint));
  http::RouteOptions route_options;
  route_options.authenticate = false;
  route_options.log_path = false;  // the path holds the activation token
  LS_RETURN_IF_ERROR(router.Handle(
      "GET", options.sharing_endpoint + "/activation/{token}",
      [page](http::Request& request) -> Result<http::Response> {
        request.audit()->action = "viewActivationPage";
        http::Response response = http::Response::Text(page, 200, "text/html; charset=utf-8");
        SetPageHeaders(response);
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
          SetPageHeaders(response);
          response.SetHeader("Cache-Control", "public, max-age=300");
          return response;
        },
        asset_options));
  }
  return OkStatus();
}

}  // namespace lakeshare::web

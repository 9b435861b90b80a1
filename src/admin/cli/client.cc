#include "admin/cli/client.h"

#include <unistd.h>

#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <thread>

#include "common/json_bounds.h"
#include "common/strings.h"

namespace lakeshare::admin::cli {

namespace {

CallError RefusedAnswer(std::string message) {
  return CallError{0, std::string(kRefusedAnswer), std::move(message)};
}

CallError TooLargeAnswer() {
  return RefusedAnswer(fmt::format(
      "the server's answer is over {} bytes, more than any Lakeshare reply; it was not read",
      kManagementReplyJsonLimits.max_bytes));
}

// A file in TMPDIR (std::tmpfile writes to /tmp whatever TMPDIR says) that has no name: it is
// gone once closed, or if the process dies. Null when it cannot be made.
std::FILE* UnnamedTemporaryFile() {
  std::error_code ec;
  std::filesystem::path dir = std::filesystem::temp_directory_path(ec);
  if (ec) return nullptr;
  std::string name = (dir / "lakeshare-admin-XXXXXX").string();
  const int fd = ::mkstemp(name.data());
  if (fd < 0) return nullptr;
  ::unlink(name.c_str());
  std::FILE* file = ::fdopen(fd, "w+b");
  if (file == nullptr) ::close(fd);
  return file;
}

}  // namespace

std::string EncodePathSegment(std::string_view text) { return PercentEncode(text); }

CallError UsageError(std::string message) { return CallError{400, "USAGE", std::move(message)}; }

std::string QueryString(const std::vector<http::Field>& query) {
  std::string out;
  for (const auto& [k, v] : query) {
    out += out.empty() ? '?' : '&';
    out += EncodePathSegment(k);
    out += '=';
    out += EncodePathSegment(v);
  }
  return out;
}

Api::Api(const std::string& host, const std::string& token) : token_(token) {
  base_ = host;
  while (!base_.empty() && base_.back() == '/') {
    base_.pop_back();
  }
  http::ClientOptions options;
  options.timeout_ms = 120'000;
  client_ = std::make_unique<http::Client>(options);
}

CallResult<Json> Api::Call(const std::string& method, const std::string& path,
                           const std::vector<http::Field>& query, const Json* body) {
  http::ClientRequest req;
  req.method = method;
  req.url = base_ + path + QueryString(query);
  req.headers.emplace_back("Authorization", "Bearer " + token_);
  req.headers.emplace_back("Accept", "application/json");
  req.headers.emplace_back("User-Agent", "lakeshare-admin/0.1.0");
  if (body != nullptr) {
    req.headers.emplace_back("Content-Type", "application/json");
    req.body = body->dump();
  }
  for (int attempt = 0;; ++attempt) {
    // The body is read up to the bound only: a server that sends more is not a Lakeshare server.
    std::string body;
    bool too_large = false;
    auto resp = client_->Send(req, [&body, &too_large](std::string_view data) {
      too_large = body.size() + data.size() > kManagementReplyJsonLimits.max_bytes;
      if (!too_large) body.append(data);
      return !too_large;
    });
    if (too_large) {
      return tl::unexpected(TooLargeAnswer());
    }
    const bool retry_transport = !resp && method == "GET";
    const bool retry_status = resp && (resp->status == 429 || resp->status == 503);
    if ((retry_transport || retry_status) && attempt < 2) {
      std::this_thread::sleep_for(std::chrono::milliseconds(200 << attempt));
      continue;
    }
    if (!resp) {
      return tl::unexpected(CallError{
          0, "", fmt::format("cannot reach the server ({}): {}", base_, resp.error().message)});
    }
    resp->body = std::move(body);
    return Interpret(*resp);
  }
}

CallResult<Json> Api::Uc(const std::string& method, const std::string& path,
                         const std::vector<http::Field>& query, const Json* body) {
  return Call(method, kUcPrefix + path, query, body);
}

CallResult<void> Api::Stream(const std::string& path, const std::vector<http::Field>& query,
                             const std::function<bool(std::string_view)>& sink,
                             int64_t max_bytes) {
  http::ClientRequest req;
  req.url = base_ + path + QueryString(query);
  req.headers.emplace_back("Authorization", "Bearer " + token_);
  req.headers.emplace_back("User-Agent", "lakeshare-admin/0.1.0");
  req.timeout_ms = 0;  // an export may take long; the server streams steadily
  // The status is known only once the transfer ends (http::Client's body callback does not
  // pass it), so nothing reaches `sink` before then: an error reply of any size is reported,
  // never written out. The first 64 KiB are held in memory, the rest in an unnamed temporary
  // file (TMPDIR), removed when it is closed.
  constexpr size_t kHeldInMemory = 64 << 10;
  std::string held;
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> spool(nullptr, &std::fclose);
  bool spool_failed = false;
  int64_t received = 0;
  bool too_large = false;
  auto resp = client_->Send(req, [&](std::string_view data) {
    received += static_cast<int64_t>(data.size());
    too_large = received > max_bytes;
    if (too_large) return false;  // stops the transfer
    if (spool == nullptr && held.size() + data.size() <= kHeldInMemory) {
      held.append(data);
      return true;
    }
    if (spool == nullptr) spool.reset(UnnamedTemporaryFile());
    spool_failed =
        spool == nullptr || std::fwrite(data.data(), 1, data.size(), spool.get()) != data.size();
    return !spool_failed;
  });
  if (too_large) {
    return tl::unexpected(CallError{
        0, std::string(kExportTooLarge),
        fmt::format("the answer is over {} bytes, the most this export holds; nothing was written",
                    max_bytes)});
  }
  if (spool_failed) {
    return tl::unexpected(CallError{
        0, "", "cannot hold the answer in a temporary file (is TMPDIR full or unwritable?)"});
  }
  if (!resp) {
    return tl::unexpected(CallError{
        0, "", fmt::format("cannot reach the server ({}): {}", base_, resp.error().message)});
  }
  if (resp->status < 200 || resp->status >= 300) {
    http::ClientResponse copy = *resp;
    copy.body = held;
    auto r = Interpret(copy);
    return tl::unexpected(r ? CallError{resp->status, "", "unexpected answer"} : r.error());
  }
  const CallError write_failed{0, "", "cannot write the output (disk full or pipe closed)"};
  if (!held.empty() && !sink(held)) {
    return tl::unexpected(write_failed);
  }
  if (spool != nullptr) {
    std::rewind(spool.get());
    std::string chunk(1 << 20, '\0');
    size_t n = 0;
    while ((n = std::fread(chunk.data(), 1, chunk.size(), spool.get())) > 0) {
      if (!sink(std::string_view(chunk.data(), n))) return tl::unexpected(write_failed);
    }
    if (std::ferror(spool.get())) {
      return tl::unexpected(
          CallError{0, "", "cannot read the answer back from its temporary file"});
    }
  }
  return {};
}

CallResult<Json> Api::Interpret(const http::ClientResponse& resp) {
  // Bounded before the parser and the printers, which recurse once per level, see the answer.
  if (resp.body.size() > kManagementReplyJsonLimits.max_bytes) {
    return tl::unexpected(TooLargeAnswer());
  }
  if (!CheckJsonBounds(resp.body, kManagementReplyJsonLimits, "the server's answer")) {
    return tl::unexpected(RefusedAnswer(fmt::format(
        "the server's answer nests JSON deeper than {} levels or holds more than {} values, more "
        "than any Lakeshare reply; it was not read",
        kManagementReplyJsonLimits.max_depth, kManagementReplyJsonLimits.max_elements)));
  }
  Json doc;
  bool parsed = false;
  if (!resp.body.empty()) {
    doc = Json::parse(resp.body, nullptr, /*allow_exceptions=*/false);
    parsed = !doc.is_discarded();
  }
  if (resp.status >= 200 && resp.status < 300) {
    if (resp.body.empty()) {
      return Json::object();
    }
    if (!parsed) {
      return tl::unexpected(CallError{resp.status, "",
                                      "the server's answer is not JSON: is --host pointing at a "
                                      "Lakeshare server?"});
    }
    return doc;
  }
  CallError e;
  e.status = resp.status;
  if (parsed && doc.is_object()) {
    for (const char* k : {"error_code", "errorCode"}) {
      if (doc.contains(k) && doc[k].is_string()) {
        e.error_code = doc[k].get<std::string>();
      }
    }
    if (doc.contains("message") && doc["message"].is_string()) {
      e.message = doc["message"].get<std::string>();
    }
  }
  if (e.message.empty()) {
    e.message = fmt::format("HTTP {}", resp.status);
  }
  return tl::unexpected(e);
}

CallResult<Json> ListAll(Api& api, const std::string& path, const std::vector<http::Field>& query,
                         const std::string& key, int64_t limit) {
  Json all = Json::array();
  std::string token;
  for (;;) {
    std::vector<http::Field> q = query;
    q.emplace_back("max_results", "500");
    if (!token.empty()) {
      q.emplace_back("page_token", token);
    }
    auto page = api.Call("GET", path, q);
    if (!page) {
      return tl::unexpected(page.error());
    }
    if (auto it = page->find(key); it != page->end() && it->is_array()) {
      for (Json& item : *it) {
        if (limit >= 0 && static_cast<int64_t>(all.size()) >= limit) {
          break;
        }
        all.push_back(std::move(item));
      }
    }
    auto next = page->find("next_page_token");
    if (next == page->end() || !next->is_string() || next->get<std::string>().empty() ||
        (limit >= 0 && static_cast<int64_t>(all.size()) >= limit)) {
      return all;
    }
    if (next->get<std::string>() == token) {
      return tl::unexpected(CallError{500, "", "the server returned the same page token twice"});
    }
    token = next->get<std::string>();
  }
}

}  // namespace lakeshare::admin::cli

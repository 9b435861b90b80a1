#include "http/response.h"

#include <fmt/format.h>

#include <algorithm>
#include <memory>
#include <utility>

namespace lakeshare::http {

Response Response::Json(std::string body, int status) {
  Response response(status);
  response.SetHeader("Content-Type", std::string(kJsonContentType));
  response.body_ = std::move(body);
  return response;
}

Response Response::Text(std::string body, int status, std::string_view content_type) {
  Response response(status);
  response.SetHeader("Content-Type", std::string(content_type));
  response.body_ = std::move(body);
  return response;
}

Response Response::Stream(std::string_view content_type, BodyProducer producer, int status) {
  Response response(status);
  response.SetHeader("Content-Type", std::string(content_type));
  response.producer_ = std::move(producer);
  return response;
}

Response Response::SizedStream(std::string_view content_type, int64_t length, BodyProducer producer,
                               int status) {
  Response response = Stream(content_type, std::move(producer), status);
  response.content_length_ = length;
  return response;
}

Response Response::Pulled(std::string_view content_type, ChunkSource next, int status) {
  // One source shared by the server's pulls and the producer of in-process callers.
  auto source = std::make_shared<ChunkSource>(std::move(next));
  Response response = Stream(
      content_type,
      [source](StreamWriter& writer) -> Status {
        std::string part;
        for (bool more = true; more;) {
          part.clear();
          LS_ASSIGN_OR_RETURN(more, (*source)(part));
          LS_RETURN_IF_ERROR(writer.Write(part));
        }
        return OkStatus();
      },
      status);
  response.pulled_ = [source](std::string& out) { return (*source)(out); };
  return response;
}

Response Response::Pieces(std::string_view content_type, int64_t length, PieceReader read,
                          int status) {
  Response response = Pulled(
      content_type,
      [read = std::move(read), length, offset = int64_t{0}](std::string& out) mutable
      -> Result<bool> {
        const int64_t size = std::min(kPieceBytes, length - offset);
        LS_RETURN_IF_ERROR(read(offset, size, out));
        if (static_cast<int64_t>(out.size()) != size) {
          return MakeError(ErrorCode::kInternal,
                           fmt::format("Body reader gave {} bytes, not {}", out.size(), size));
        }
        offset += size;
        return offset < length;
      },
      status);
  response.content_length_ = length;
  return response;
}

Response Response::Ndjson(NextLine next, int status) {
  return Pulled(
      kNdjsonContentType,
      [next = std::move(next)](std::string& out) -> Result<bool> {
        while (out.size() < kNdjsonPartBytes) {
          LS_ASSIGN_OR_RETURN(std::optional<std::string> line, next());
          if (!line) {
            return false;
          }
          out += *line;
          out.push_back('\n');
        }
        return true;
      },
      status);
}

void Response::SetHeader(std::string_view name, std::string value) {
  RemoveHeader(name);
  headers_.emplace_back(std::string(name), std::move(value));
}

void Response::AddHeader(std::string name, std::string value) {
  headers_.emplace_back(std::move(name), std::move(value));
}

void Response::RemoveHeader(std::string_view name) {
  std::erase_if(headers_,
                [name](const Field& field) { return EqualsIgnoreCase(field.first, name); });
}

const std::string* Response::Header(std::string_view name) const {
  return FindHeader(headers_, name);
}

}  // namespace lakeshare::http

#include "http/response.h"

#include <algorithm>
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

Response Response::Pieces(std::string_view content_type, int64_t length, PieceReader read,
                          int status) {
  Response response(status);
  response.SetHeader("Content-Type", std::string(content_type));
  response.pieces_ = std::move(read);
  response.content_length_ = length;
  return response;
}

Response Response::Ndjson(NextLine next, int status) {
  return Stream(
      kNdjsonContentType,
      [next = std::move(next)](StreamWriter& writer) -> Status {
        while (true) {
          LS_ASSIGN_OR_RETURN(std::optional<std::string> line, next());
          if (!line) {
            return OkStatus();
          }
          line->push_back('\n');
          LS_RETURN_IF_ERROR(writer.Write(*line));
        }
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

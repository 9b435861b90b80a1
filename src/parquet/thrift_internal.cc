#include "parquet/thrift_internal.h"

#include <thrift/protocol/TCompactProtocol.h>
#include <thrift/transport/TBufferTransports.h>

#include <memory>

namespace lakeshare::parquet {

using apache::thrift::protocol::TCompactProtocolT;
using apache::thrift::transport::TMemoryBuffer;

template <typename T>
Status DeserializeThrift(const uint8_t* data, uint32_t* len, T* out, const std::string& what) {
  try {
    auto config = std::make_shared<apache::thrift::TConfiguration>(
        /*maxMessageSize=*/static_cast<int>(std::min<uint32_t>(*len, 0x7fffffff)),
        /*maxFrameSize=*/static_cast<int>(std::min<uint32_t>(*len, 0x7fffffff)),
        /*recursionLimit=*/64);
    auto buffer = std::make_shared<TMemoryBuffer>(const_cast<uint8_t*>(data), *len,
                                                  TMemoryBuffer::OBSERVE, config);
    TCompactProtocolT<TMemoryBuffer> protocol(buffer, /*string_size_limit=*/*len,
                                              /*container_size_limit=*/*len);
    out->read(&protocol);
    *len = *len - buffer->available_read();
  } catch (const std::exception& e) {
    return CorruptError("{} cannot be decoded: {}", what, e.what());
  }
  return OkStatus();
}

template <typename T>
Status SerializeThrift(const T& obj, std::string* out) {
  try {
    auto buffer = std::make_shared<TMemoryBuffer>();
    TCompactProtocolT<TMemoryBuffer> protocol(buffer);
    obj.write(&protocol);
    uint8_t* ptr = nullptr;
    uint32_t size = 0;
    buffer->getBuffer(&ptr, &size);
    out->append(reinterpret_cast<const char*>(ptr), size);
  } catch (const std::exception& e) {
    return Errorf(ErrorCode::kInternal, "Thrift serialization failed: {}", e.what());
  }
  return OkStatus();
}

template Status DeserializeThrift(const uint8_t*, uint32_t*, format::FileMetaData*,
                                  const std::string&);
template Status DeserializeThrift(const uint8_t*, uint32_t*, format::PageHeader*,
                                  const std::string&);
template Status SerializeThrift(const format::FileMetaData&, std::string*);
template Status SerializeThrift(const format::PageHeader&, std::string*);

}  // namespace lakeshare::parquet

#include "sharing/response_stream_internal.h"

#include <gtest/gtest.h>

#include <string>

namespace lakeshare::sharing {
namespace {

// A LineSink over a PartWriter, as a pulled /query uses it: each call's part is what the sink
// handed over during that call, the sink's own buffer when the part was empty.
TEST(PartWriterTest, APartIsWhatTheSinkHandedOverSinceBegin) {
  PartWriter writer;
  LineSink sink(writer);
  std::string first;
  writer.Begin(first);
  EXPECT_FALSE(writer.ready());
  sink.buffer() = std::string(kFlushBytes - 1, 'a');
  ASSERT_TRUE(sink.MaybeFlush());
  EXPECT_FALSE(writer.ready());  // not a full part yet
  sink.buffer() += "b";
  const char* const buffer = sink.buffer().data();
  ASSERT_TRUE(sink.MaybeFlush());
  ASSERT_TRUE(writer.ready());
  EXPECT_EQ(first.size(), kFlushBytes);
  EXPECT_EQ(first.data(), buffer);  // taken over, not copied
  EXPECT_TRUE(sink.buffer().empty());
  EXPECT_GE(sink.buffer().capacity(), kFlushBytes);  // the sink's buffer stays as large
  sink.buffer() = "c\n";
  ASSERT_TRUE(sink.Flush());  // a second hand-over in the same call is appended
  EXPECT_EQ(first.size(), kFlushBytes + 2);
  EXPECT_EQ(first.substr(first.size() - 3), "bc\n");

  std::string second;
  writer.Begin(second);
  EXPECT_FALSE(writer.ready());
  sink.buffer() = "d\n";
  ASSERT_TRUE(sink.Flush());
  EXPECT_EQ(second, "d\n");
  EXPECT_TRUE(sink.handed());
}

}  // namespace
}  // namespace lakeshare::sharing

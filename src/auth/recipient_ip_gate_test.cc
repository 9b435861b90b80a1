#include "auth/recipient_ip_gate.h"

#include <gtest/gtest.h>

namespace lakeshare::auth {
namespace {

TEST(RecipientIpGateTest, AnEmptyListAllowsEveryoneAndAListOnlyItsAddresses) {
  EXPECT_TRUE(RecipientIpGate().Check("192.0.2.1"));
  EXPECT_TRUE(RecipientIpGate::From({}).Check("2001:db8::1"));
  RecipientIpGate gate = RecipientIpGate::From({"10.0.0.0/8", "2001:db8::/32"});
  EXPECT_TRUE(gate.Check("10.1.2.3"));
  EXPECT_TRUE(gate.Check("::ffff:10.9.9.9"));
  EXPECT_TRUE(gate.Check("2001:db8::7"));
  Status refused = gate.Check("192.168.1.1");
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kPermissionDenied);
  EXPECT_EQ(refused.error().message,
            "Requests from IP address '192.168.1.1' are not allowed for this recipient; ask the "
            "data provider to add it to the recipient's IP access list");
  EXPECT_FALSE(gate.Check("not an address"));
}

TEST(RecipientIpGateTest, AStoredEntryThatDoesNotParseRefusesEveryAddress) {
  RecipientIpGate gate = RecipientIpGate::From({"10.0.0.0/8", "10.0.0.1/8"});
  for (const char* address : {"10.1.2.3", "127.0.0.1", "2001:db8::7"}) {
    Status refused = gate.Check(address);
    ASSERT_FALSE(refused) << address;
    EXPECT_EQ(refused.error().code, ErrorCode::kPermissionDenied);
    EXPECT_NE(refused.error().message.find("IP access list is invalid"), std::string::npos);
  }
}

}  // namespace
}  // namespace lakeshare::auth

#include "auth/forwarded_for.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace lakeshare::auth {
namespace {

IpAccessList Proxies(std::vector<std::string> entries) {
  auto list = IpAccessList::Parse(entries);
  EXPECT_TRUE(list) << list.error().ToString();
  return list ? *list : IpAccessList();
}

std::string Client(std::string_view peer, std::vector<std::string_view> headers,
                   const IpAccessList& proxies) {
  return ClientAddress(peer, headers, proxies);
}

TEST(ClientAddressTest, WithoutTrustedProxiesTheHeaderIsIgnored) {
  EXPECT_EQ(Client("198.51.100.9", {"203.0.113.7"}, IpAccessList()), "198.51.100.9");
}

TEST(ClientAddressTest, AnUntrustedPeerCannotClaimAnotherAddress) {
  IpAccessList proxies = Proxies({"10.0.0.0/8"});
  EXPECT_EQ(Client("198.51.100.9", {"203.0.113.7"}, proxies), "198.51.100.9");
}

TEST(ClientAddressTest, TheHopOurProxyAppendedIsTheClient) {
  IpAccessList proxies = Proxies({"10.0.0.0/8"});
  EXPECT_EQ(Client("10.1.2.3", {"203.0.113.7"}, proxies), "203.0.113.7");
  // Whatever the client wrote itself (left of the last untrusted hop) is never believed.
  EXPECT_EQ(Client("10.1.2.3", {"192.0.2.1, 203.0.113.7"}, proxies), "203.0.113.7");
  // Trusted hops (a chain of our own proxies) are skipped.
  EXPECT_EQ(Client("10.1.2.3", {"192.0.2.1, 203.0.113.7, 10.9.9.9"}, proxies), "203.0.113.7");
  // Several headers read as one list, in order.
  EXPECT_EQ(Client("10.1.2.3", {"192.0.2.1", "203.0.113.7", "10.9.9.9"}, proxies), "203.0.113.7");
  // Only trusted hops: the leftmost is as far as we can see.
  EXPECT_EQ(Client("10.1.2.3", {"10.0.0.5, 10.0.0.6"}, proxies), "10.0.0.5");
  // No header: the proxy itself.
  EXPECT_EQ(Client("10.1.2.3", {}, proxies), "10.1.2.3");
}

TEST(ClientAddressTest, PortsBracketsAndIpv6AreUnderstood) {
  IpAccessList proxies = Proxies({"127.0.0.1", "::1"});
  EXPECT_EQ(Client("127.0.0.1", {"203.0.113.7:5312"}, proxies), "203.0.113.7");
  EXPECT_EQ(Client("::1", {"[2001:db8::1]:443"}, proxies), "2001:db8::1");
  EXPECT_EQ(Client("::1", {" 2001:db8::2 "}, proxies), "2001:db8::2");
  EXPECT_EQ(Client("::ffff:127.0.0.1", {"203.0.113.8"}, proxies), "203.0.113.8");
}

TEST(ClientAddressTest, AHopThatIsNoAddressFailsClosed) {
  IpAccessList proxies = Proxies({"127.0.0.1"});
  EXPECT_EQ(Client("127.0.0.1", {"not-an-ip"}, proxies), "unknown");
  EXPECT_EQ(Client("127.0.0.1", {"203.0.113.7, 10.0.0.0/8"}, proxies), "unknown");
  EXPECT_EQ(Client("127.0.0.1", {"[2001:db8::1"}, proxies), "unknown");
  // An unknown client passes no IP access list.
  IpAccessList partner = Proxies({"203.0.113.0/24"});
  EXPECT_FALSE(partner.Allows(Client("127.0.0.1", {"garbage"}, proxies)));
  // An element left empty adds no hop.
  EXPECT_EQ(Client("127.0.0.1", {"203.0.113.7, "}, proxies), "203.0.113.7");
}

}  // namespace
}  // namespace lakeshare::auth

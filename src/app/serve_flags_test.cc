// The bounded flags of `lakeshare serve` (serve_limits.h, federation_setup.h): parsed into their
// fields, refused out of range (main.cc turns CLI11's refusal into exit code 2), listed in --help,
// and carried into the options they set.
#include <gtest/gtest.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "app/federation_setup.h"
#include "app/serve_limits.h"
#include "catalog/catalog.h"
#include "common/temp_dir.h"
#include "sharing/sharing_service.h"

namespace lakeshare::app {
namespace {

// A `serve` command with the limit and federation flags, as AddServeCommand registers them.
class ServeFlagsTest : public ::testing::Test {
 protected:
  ServeFlagsTest() {
    AddLimitFlags(serve_, limits_);
    AddFederationFlags(serve_, federation_);
  }

  // Parse `args` (after the command name); false when CLI11 refuses them.
  bool Parse(std::vector<std::string> args) {
    std::vector<std::string> reversed(args.rbegin(), args.rend());  // CLI11 parses from the back
    try {
      serve_.parse(reversed);
      return true;
    } catch (const CLI::ParseError&) {
      return false;
    }
  }

  CLI::App serve_{"serve", "serve"};
  LimitFlags limits_;
  FederationFlags federation_;
};

TEST_F(ServeFlagsTest, DefaultsAreTheOptionsDefaults) {
  ASSERT_TRUE(Parse({}));
  const sharing::SharingOptions defaults;
  EXPECT_EQ(limits_.change_streams_per_recipient, defaults.change_streams_per_recipient);
  EXPECT_EQ(limits_.snapshot_streams_per_recipient, defaults.snapshot_streams_per_recipient);
  EXPECT_EQ(limits_.max_streams, defaults.max_streams);
  EXPECT_EQ(federation_.max_blocked_callers, auth::JwksCacheOptions{}.max_blocked_callers);
}

TEST_F(ServeFlagsTest, StreamFlagsSetTheSharingOptions) {
  ASSERT_TRUE(Parse({"--change-streams-per-recipient", "3", "--snapshot-streams-per-recipient",
                     "1024", "--max-streams", "100000", "--oidc-max-blocked-callers", "64"}));
  sharing::SharingOptions options;
  ApplyStreamLimits(limits_, options);
  EXPECT_EQ(options.change_streams_per_recipient, 3);
  EXPECT_EQ(options.snapshot_streams_per_recipient, 1024);
  EXPECT_EQ(options.max_streams, 100'000);
  EXPECT_EQ(federation_.max_blocked_callers, 64);
}

// The flag reaches the JWKS cache the server builds (FederationSetup::Create, as serve does), not
// only the flags struct.
TEST_F(ServeFlagsTest, TheBlockedCallersFlagReachesTheJwksCache) {
  ASSERT_TRUE(Parse({"--oidc-max-blocked-callers", "7"}));
  TempDir dir;
  auto catalog = catalog::OpenCatalog((dir.path() / "metastore.db").string());
  ASSERT_TRUE(catalog) << catalog.error().message;
  auto setup = FederationSetup::Create(**catalog, federation_, /*revocation_delay_ms=*/1000);
  ASSERT_TRUE(setup) << setup.error().message;
  EXPECT_EQ((*setup)->jwks_options().max_blocked_callers, 7);
}

TEST_F(ServeFlagsTest, OutOfRangeOrNonNumericValuesAreRefused) {
  // 0 would mean "unbounded" to the options: never from a flag.
  for (const char* flag : {"--change-streams-per-recipient", "--snapshot-streams-per-recipient",
                           "--max-streams", "--oidc-max-blocked-callers"}) {
    for (const char* value : {"0", "-1", "x", "2.5", "99999999999999999999"}) {
      EXPECT_FALSE(Parse({flag, value})) << flag << " " << value;
    }
  }
  EXPECT_FALSE(Parse({"--change-streams-per-recipient", "65"}));
  EXPECT_FALSE(Parse({"--snapshot-streams-per-recipient", "1025"}));
  EXPECT_FALSE(Parse({"--max-streams", "100001"}));
  EXPECT_FALSE(Parse({"--oidc-max-blocked-callers", "65"}));
}

TEST_F(ServeFlagsTest, StreamRateFlagsSetTheServerOptions) {
  ASSERT_TRUE(Parse({}));
  http::ServerOptions options;
  ASSERT_TRUE(ApplyConnectionLimits(limits_, {}, options));
  const http::ServerOptions defaults;
  EXPECT_EQ(options.min_send_bytes_per_second, defaults.min_send_bytes_per_second);
  EXPECT_EQ(options.send_rate_slack, defaults.send_rate_slack);

  ASSERT_TRUE(Parse({"--min-stream-rate-kib", "0", "--stream-rate-slack-seconds", "5"}));
  ASSERT_TRUE(ApplyConnectionLimits(limits_, {}, options));
  EXPECT_EQ(options.min_send_bytes_per_second, 0u);  // no minimum
  EXPECT_EQ(options.send_rate_slack, std::chrono::seconds(5));

  for (auto [flag, value] : {std::pair{"--min-stream-rate-kib", "-1"},
                             {"--min-stream-rate-kib", "1048577"},
                             {"--stream-rate-slack-seconds", "0"},
                             {"--stream-rate-slack-seconds", "86401"}}) {
    limits_ = LimitFlags{};  // the fields CLI11 writes to stay where they are
    ASSERT_TRUE(Parse({flag, value})) << flag;
    EXPECT_FALSE(ApplyConnectionLimits(limits_, {}, options)) << flag << " " << value;
  }
}

TEST_F(ServeFlagsTest, HelpNamesEachFlagWithItsDefault) {
  const std::string help = serve_.help();
  for (const char* flag : {"--change-streams-per-recipient INT:INT in [1 - 64]=2",
                           "--snapshot-streams-per-recipient INT:INT in [1 - 1024]=8",
                           "--max-streams INT:INT in [1 - 100000]=512",
                           "--oidc-max-blocked-callers INT:INT in [1 - 64]=2"}) {
    EXPECT_NE(help.find(flag), std::string::npos) << flag << "\n" << help;
  }
}

}  // namespace
}  // namespace lakeshare::app

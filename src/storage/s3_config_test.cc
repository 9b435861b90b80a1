// Tests of ResolveS3Config: the precedence of options, environment variables and the shared
// credentials and config files (written to a temporary HOME), addressing style and endpoints.
#include "storage/s3_config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <map>

#include "common/temp_dir.h"
#include "storage/storage_test_util.h"

namespace lakeshare::storage {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using testing_util::WriteFile;

EnvLookup MapEnv(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

TEST(ResolveS3ConfigTest, ParsesBucketAndPrefix) {
  auto env = MapEnv({});
  auto config = ResolveS3Config("s3://my-bucket/tables/t1/", {}, env);
  ASSERT_TRUE(config.has_value()) << config.error().ToString();
  EXPECT_EQ(config->bucket, "my-bucket");
  EXPECT_EQ(config->prefix, "tables/t1/");
  EXPECT_EQ(config->region, "us-east-1");
  EXPECT_EQ(config->scheme, "https");
  EXPECT_EQ(config->endpoint_host, "s3.us-east-1.amazonaws.com");
  EXPECT_FALSE(config->path_style);
  EXPECT_TRUE(config->credentials.empty());

  EXPECT_EQ(ResolveS3Config("s3a://b", {}, env).value().prefix, "");
  EXPECT_EQ(ResolveS3Config("s3://b/", {}, env).value().prefix, "");
  EXPECT_EQ(ResolveS3Config("s3://b/x//", {}, env).value().prefix, "x/");
  EXPECT_FALSE(ResolveS3Config("s3://b/x//y", {}, env).has_value());
  EXPECT_FALSE(ResolveS3Config("http://b/x", {}, env).has_value());
  EXPECT_FALSE(ResolveS3Config("s3:///x", {}, env).has_value());
}

TEST(ResolveS3ConfigTest, ExplicitOptionsWinOverTheEnvironment) {
  auto env = MapEnv({{"AWS_ACCESS_KEY_ID", "ENVKEY"},
                     {"AWS_SECRET_ACCESS_KEY", "envsecret"},
                     {"AWS_REGION", "eu-west-1"},
                     {"AWS_ENDPOINT_URL", "http://env-endpoint:9000"}});
  StoreOptions options;
  options.credentials = {"OPTKEY", "optsecret", "opttoken"};
  options.region = "ap-south-1";
  options.endpoint = "http://127.0.0.1:8080/";
  auto config = ResolveS3Config("s3://b/p", options, env).value();
  EXPECT_EQ(config.credentials.access_key_id, "OPTKEY");
  EXPECT_EQ(config.credentials.session_token, "opttoken");
  EXPECT_EQ(config.region, "ap-south-1");
  EXPECT_EQ(config.scheme, "http");
  EXPECT_EQ(config.endpoint_host, "127.0.0.1:8080");
  EXPECT_TRUE(config.path_style);  // kAuto with a custom endpoint
}

TEST(ResolveS3ConfigTest, ReadsEnvironmentVariables) {
  auto env = MapEnv({{"AWS_ACCESS_KEY_ID", "ENVKEY"},
                     {"AWS_SECRET_ACCESS_KEY", "envsecret"},
                     {"AWS_SESSION_TOKEN", "envtoken"},
                     {"AWS_DEFAULT_REGION", "eu-north-1"},
                     {"AWS_ENDPOINT_URL_S3", "https://minio.local:443"},
                     {"AWS_ENDPOINT_URL", "http://ignored"},
                     {"AWS_CA_BUNDLE", "/etc/ca.pem"}});
  auto config = ResolveS3Config("s3://b", {}, env).value();
  EXPECT_EQ(config.credentials.access_key_id, "ENVKEY");
  EXPECT_EQ(config.credentials.secret_access_key, "envsecret");
  EXPECT_EQ(config.credentials.session_token, "envtoken");
  EXPECT_EQ(config.region, "eu-north-1");
  EXPECT_EQ(config.scheme, "https");
  EXPECT_EQ(config.endpoint_host, "minio.local");  // default port dropped
  EXPECT_EQ(config.ca_bundle, "/etc/ca.pem");

  StoreOptions no_env;
  no_env.use_environment = false;
  auto isolated = ResolveS3Config("s3://b", no_env, env).value();
  EXPECT_TRUE(isolated.credentials.empty());
  EXPECT_EQ(isolated.region, "us-east-1");
  EXPECT_EQ(isolated.endpoint_host, "s3.us-east-1.amazonaws.com");
}

TEST(ResolveS3ConfigTest, AwsRegionWinsOverDefaultRegion) {
  auto env = MapEnv({{"AWS_REGION", "eu-west-2"}, {"AWS_DEFAULT_REGION", "eu-west-3"}});
  EXPECT_EQ(ResolveS3Config("s3://b", {}, env).value().region, "eu-west-2");
  EXPECT_EQ(ResolveS3Config("s3://b", {}, env).value().endpoint_host,
            "s3.eu-west-2.amazonaws.com");
  auto china = MapEnv({{"AWS_REGION", "cn-north-1"}});
  EXPECT_EQ(ResolveS3Config("s3://b", {}, china).value().endpoint_host,
            "s3.cn-north-1.amazonaws.com.cn");
}

class SharedFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::create_directories(home_.path().string() + "/.aws");
    ASSERT_TRUE(WriteFile(home_.path().string() + "/.aws/credentials",
                          "# comment\n"
                          "[default]\n"
                          "aws_access_key_id = DEFAULTKEY\n"
                          "aws_secret_access_key = defaultsecret\n"
                          "\n"
                          "[dev]\n"
                          "aws_access_key_id=DEVKEY\n"
                          "aws_secret_access_key=devsecret\n"
                          "aws_session_token = devtoken\n"));
    ASSERT_TRUE(WriteFile(home_.path().string() + "/.aws/config",
                          "[default]\n"
                          "region = us-west-1\n"
                          "[profile dev]\n"
                          "region = eu-central-1\n"
                          "endpoint_url = http://localhost:4566\n"
                          "s3 =\n"
                          "  addressing_style = path\n"
                          "[profile onlyconfig]\n"
                          "aws_access_key_id = CFGKEY\n"
                          "aws_secret_access_key = cfgsecret\n"));
  }
  TempDir home_;
};

TEST_F(SharedFilesTest, UsesTheDefaultProfile) {
  auto config = ResolveS3Config("s3://b", {}, MapEnv({{"HOME", home_.path().string()}})).value();
  EXPECT_EQ(config.credentials.access_key_id, "DEFAULTKEY");
  EXPECT_EQ(config.credentials.secret_access_key, "defaultsecret");
  EXPECT_EQ(config.credentials.session_token, "");
  EXPECT_EQ(config.region, "us-west-1");
  EXPECT_EQ(config.endpoint_host, "s3.us-west-1.amazonaws.com");
}

TEST_F(SharedFilesTest, UsesAwsProfileAndItsConfigSection) {
  auto config = ResolveS3Config("s3://b", {},
                                MapEnv({{"HOME", home_.path().string()}, {"AWS_PROFILE", "dev"}}))
                    .value();
  EXPECT_EQ(config.credentials.access_key_id, "DEVKEY");
  EXPECT_EQ(config.credentials.session_token, "devtoken");
  EXPECT_EQ(config.region, "eu-central-1");
  EXPECT_EQ(config.scheme, "http");
  EXPECT_EQ(config.endpoint_host, "localhost:4566");
  EXPECT_TRUE(config.path_style);
}

TEST_F(SharedFilesTest, ReadsCredentialsFromTheConfigFileToo) {
  StoreOptions options;
  options.profile = "onlyconfig";
  auto config =
      ResolveS3Config("s3://b", options, MapEnv({{"HOME", home_.path().string()}})).value();
  EXPECT_EQ(config.credentials.access_key_id, "CFGKEY");
}

TEST_F(SharedFilesTest, EnvironmentKeysBeatProfilesUnlessAProfileIsNamed) {
  auto env = MapEnv({{"HOME", home_.path().string()},
                     {"AWS_ACCESS_KEY_ID", "ENVKEY"},
                     {"AWS_SECRET_ACCESS_KEY", "envsecret"}});
  EXPECT_EQ(ResolveS3Config("s3://b", {}, env).value().credentials.access_key_id, "ENVKEY");
  StoreOptions options;
  options.profile = "dev";
  EXPECT_EQ(ResolveS3Config("s3://b", options, env).value().credentials.access_key_id, "DEVKEY");
}

TEST_F(SharedFilesTest, FileLocationsFollowTheirVariables) {
  TempDir other;
  ASSERT_TRUE(WriteFile(other.path().string() + "/creds", "[default]\naws_access_key_id=OTHER\n"
                                                 "aws_secret_access_key=s\n"));
  auto config = ResolveS3Config(
                    "s3://b", {},
                    MapEnv({{"HOME", home_.path().string()},
                            {"AWS_SHARED_CREDENTIALS_FILE", other.path().string() + "/creds"},
                            {"AWS_CONFIG_FILE", other.path().string() + "/none"}}))
                    .value();
  EXPECT_EQ(config.credentials.access_key_id, "OTHER");
  EXPECT_EQ(config.region, "us-east-1");
}

TEST_F(SharedFilesTest, AMissingNamedProfileIsAnError) {
  auto config = ResolveS3Config("s3://b", {},
                                MapEnv({{"HOME", home_.path().string()}, {"AWS_PROFILE", "nope"}}));
  ASSERT_FALSE(config.has_value());
  EXPECT_EQ(config.error().code, ErrorCode::kInvalidArgument);
  EXPECT_THAT(config.error().message, HasSubstr("'nope'"));
}

TEST_F(SharedFilesTest, AnonymousIgnoresEveryCredential) {
  StoreOptions options;
  options.anonymous = true;
  auto config =
      ResolveS3Config("s3://b", options, MapEnv({{"HOME", home_.path().string()}})).value();
  EXPECT_TRUE(config.credentials.empty());
}

TEST(ResolveS3ConfigTest, ChoosesAddressingStyle) {
  auto env = MapEnv({});
  EXPECT_FALSE(ResolveS3Config("s3://my-bucket", {}, env).value().path_style);
  EXPECT_TRUE(ResolveS3Config("s3://my.dotted.bucket", {}, env).value().path_style);
  EXPECT_TRUE(ResolveS3Config("s3://Legacy_Bucket", {}, env).value().path_style);
  StoreOptions virtual_hosted;
  virtual_hosted.endpoint = "http://127.0.0.1:9000";
  virtual_hosted.addressing = S3Addressing::kVirtualHosted;
  EXPECT_FALSE(ResolveS3Config("s3://b", virtual_hosted, env).value().path_style);
  StoreOptions path;
  path.addressing = S3Addressing::kPathStyle;
  EXPECT_TRUE(ResolveS3Config("s3://b", path, env).value().path_style);
}

TEST(ResolveS3ConfigTest, RejectsBadEndpoints) {
  auto env = MapEnv({});
  for (const char* endpoint : {"ftp://host", "http://", "http://host/base/path",
                               "http://user:pass@host"}) {
    StoreOptions options;
    options.endpoint = endpoint;
    SCOPED_TRACE(endpoint);
    auto config = ResolveS3Config("s3://b", options, env);
    ASSERT_FALSE(config.has_value());
    EXPECT_EQ(config.error().code, ErrorCode::kInvalidArgument);
    EXPECT_THAT(config.error().message, Not(HasSubstr("pass")));
  }
}

}  // namespace
}  // namespace lakeshare::storage

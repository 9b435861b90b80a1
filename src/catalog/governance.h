// The storage-governance objects of the metastore (issue 10, Unity Catalog style): storage
// credentials (how the server reaches an S3 store, so that teams never hold keys), external
// locations (where tables may be registered from, each possibly using a credential) and groups
// (principals that hold privileges and ownership together). Plain value types; the Catalog
// (catalog.h) stores them.
//
// Locations are compared only in canonical form: LocationPolicy::canonicalize (supplied by app/
// from src/storage, the one parser of locations) turns "file:/a/./b", "/a/b" and "file:///a/b"
// into one spelling; containment is then "equal, or beneath segment by segment". No two external
// locations overlap, no two tables overlap (neither contains the other, as Unity Catalog rules),
// every table lies inside an external location, and no external location overlaps a protected
// location (the server's data directory, the metastore): neither contains it nor lies inside it.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace lakeshare::catalog {

/// How the catalog compares storage locations. Set once with Catalog::SetLocationPolicy before
/// the catalog is shared; without one, everything that needs a location fails (closed).
struct LocationPolicy {
  /// The canonical URI of a location ("file:///a/b", "s3://bucket/p"), or kInvalidArgument /
  /// kUnsupported naming what is wrong with it.
  std::function<Result<std::string>(std::string_view location)> canonicalize;
  /// Locations no external location may overlap (as given; canonicalised when set).
  std::vector<std::string> protected_locations;
};

/// The keys of an S3 storage credential. Exactly one kind:
///  - "AWS_ACCESS_KEY": access_key_id + secret_access_key (+ session_token);
///  - "AWS_PROFILE": a profile of the server's AWS configuration files (the server holds the
///    keys; the credential only names them).
/// secret_access_key and session_token are write-only: given on create and update, stored
/// sealed (Catalog::SetSecretKey), empty in everything Get/List/Create/Update return.
struct AwsCredential {
  std::string kind;
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;
  std::string profile;
};

inline constexpr std::string_view kAwsAccessKey = "AWS_ACCESS_KEY";
inline constexpr std::string_view kAwsProfile = "AWS_PROFILE";

/// Unity Catalog StorageCredentialInfo (the AWS kinds Lakeshare reads with); the fields of an
/// AwsCredential are kept flat.
struct StorageCredentialInfo {
  std::string id;
  std::string name;
  std::string kind;  // AwsCredential::kind
  std::string access_key_id;
  std::string secret_access_key;  // write-only (see AwsCredential)
  std::string session_token;      // write-only
  std::string profile;
  std::string owner;
  std::string comment;
  bool read_only = false;
  int64_t created_at = 0;
  std::string created_by;
  int64_t updated_at = 0;
  std::string updated_by;

  AwsCredential aws() const {
    return AwsCredential{kind, access_key_id, secret_access_key, session_token, profile};
  }
  void set_aws(const AwsCredential& a) {
    kind = a.kind;
    access_key_id = a.access_key_id;
    secret_access_key = a.secret_access_key;
    session_token = a.session_token;
    profile = a.profile;
  }
};

struct StorageCredentialUpdate {
  std::optional<std::string> new_name;
  std::optional<std::string> owner;
  std::optional<std::string> comment;
  std::optional<bool> read_only;
  std::optional<AwsCredential> aws;  // replaces kind and every key
  std::string updated_by;
};

/// Unity Catalog ExternalLocationInfo: a storage prefix tables may be registered under.
struct ExternalLocationInfo {
  std::string id;
  std::string name;
  std::string url;              // as given
  std::string credential_name;  // "" = none (local folders; S3 with the server's own keys)
  std::string owner;
  std::string comment;
  bool read_only = false;
  int64_t created_at = 0;
  std::string created_by;
  int64_t updated_at = 0;
  std::string updated_by;
};

struct ExternalLocationUpdate {
  std::optional<std::string> new_name;
  std::optional<std::string> url;
  std::optional<std::string> credential_name;  // "" detaches the credential
  std::optional<std::string> owner;
  std::optional<std::string> comment;
  std::optional<bool> read_only;
  std::string updated_by;
  /// Change the url even though registered tables would then lie outside it.
  bool force = false;
};

/// What the server needs to open the store of a table: the external location containing it and
/// its credential, secrets included. For the server's own reads only; never for a reply.
struct StorageAccess {
  ExternalLocationInfo location;
  std::optional<AwsCredential> credential;
};

/// A group of principals. A group name can stand wherever a principal name is accepted as a
/// grantee or an owner; a principal holds what its groups hold. Group and principal names share
/// one namespace (case-insensitively), so a name always means one of them.
struct GroupInfo {
  std::string id;
  std::string name;
  std::string comment;
  std::vector<std::string> members;  // principal names, sorted by name key
  int64_t created_at = 0;
  std::string created_by;
  int64_t updated_at = 0;
  std::string updated_by;
};

struct GroupUpdate {
  std::optional<std::string> comment;
  std::vector<std::string> add_members;     // principal names
  std::vector<std::string> remove_members;  // principal names; absent members are ignored
  std::string updated_by;
};

}  // namespace lakeshare::catalog

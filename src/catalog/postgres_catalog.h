// PostgresCatalog: the scale-out metastore on PostgreSQL through libpq, for N identical replicas
// sharing one database. A small connection pool; parameterised, prepared statements only; write
// transactions run SERIALIZABLE and are retried on serialisation failures and deadlocks;
// migrations take pg_advisory_xact_lock so replicas starting together apply them once.
// Thread-safe as described in catalog/catalog.h.
#pragma once

#include <memory>
#include <string_view>

#include "catalog/catalog.h"

namespace lakeshare::catalog {

class PostgresCatalog {
 public:
  /// Connect to `url` (`postgresql://user@host:port/db?...`, any libpq connection string) and
  /// apply pending migrations.
  static Result<std::unique_ptr<Catalog>> Open(std::string_view url,
                                                const CatalogOptions& options = {});
};

}  // namespace lakeshare::catalog

// SqliteCatalog: the embedded default metastore, one SQLite 3 file in the data directory. WAL
// mode with synchronous=FULL (a commit is on disk when it returns, so management events are
// durable), a busy timeout, foreign keys on, prepared statements cached per connection. Writes are
// serialised by one writer mutex over one writer connection (BEGIN IMMEDIATE); reads run in
// parallel on a small pool of reader connections. Migrations are applied in Open().
// Thread-safe as described in catalog/catalog.h; several processes may open one file.
#pragma once

#include <memory>
#include <string>

#include "catalog/catalog.h"

namespace lakeshare::catalog {

class SqliteCatalog {
 public:
  /// Open (creating when missing) the metastore file at `path`.
  static Result<std::unique_ptr<Catalog>> Open(const std::string& path,
                                                const CatalogOptions& options = {});
};

}  // namespace lakeshare::catalog

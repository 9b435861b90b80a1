// The sharing layer's caches use the one TtlCache of common/ttl_cache.h.
#pragma once

#include "common/ttl_cache.h"

namespace lakeshare::sharing {
using ::lakeshare::TtlCache;
}  // namespace lakeshare::sharing

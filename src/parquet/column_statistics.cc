// Column statistics for the writer: min/max under the column's type-defined sort order (signed,
// unsigned, IEEE 754 without NaN, byte-wise, decimal, FLOAT16), byte-array bounds truncated on
// UTF-8 character boundaries, and the Thrift Statistics of pages and chunks.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <optional>
#include <string>
#include <utility>

#include "common/strings.h"
#include "parquet/file_writer_internal.h"

namespace lakeshare::parquet {

Order OrderOf(const SchemaNode& leaf) {
  const LogicalKind k = leaf.logical.kind;
  switch (leaf.physical) {
    case PhysicalType::kBoolean:
      return Order::kUnsigned;
    case PhysicalType::kInt32:
    case PhysicalType::kInt64:
      return k == LogicalKind::kInteger && !leaf.logical.is_signed ? Order::kUnsigned
                                                                   : Order::kSigned;
    case PhysicalType::kInt96:
      return Order::kNone;
    case PhysicalType::kFloat:
    case PhysicalType::kDouble:
      return Order::kFloat;
    case PhysicalType::kByteArray:
      return k == LogicalKind::kDecimal ? Order::kDecimalBytes : Order::kBytes;
    case PhysicalType::kFixedLenByteArray:
      if (k == LogicalKind::kDecimal) {
        return Order::kDecimalBytes;
      }
      if (k == LogicalKind::kFloat16) {
        return Order::kHalf;
      }
      if (k == LogicalKind::kInterval) {
        return Order::kNone;
      }
      return Order::kBytes;
  }
  return Order::kNone;
}

namespace {

int CompareBytes(std::string_view a, std::string_view b) {
  const size_t n = std::min(a.size(), b.size());
  int c = n == 0 ? 0 : std::memcmp(a.data(), b.data(), n);
  if (c != 0) {
    return c;
  }
  return a.size() < b.size() ? -1 : a.size() > b.size() ? 1 : 0;
}

int CompareDecimalBytes(std::string_view a, std::string_view b) {
  const bool na = !a.empty() && (static_cast<uint8_t>(a[0]) & 0x80);
  const bool nb = !b.empty() && (static_cast<uint8_t>(b[0]) & 0x80);
  if (na != nb) {
    return na ? -1 : 1;
  }
  // Same sign: sign-extend to one length, then the unsigned byte order is the numeric order.
  const size_t n = std::max(a.size(), b.size());
  const uint8_t fill = na ? 0xff : 0x00;
  for (size_t k = 0; k < n; ++k) {
    const size_t pa = n - a.size(), pb = n - b.size();
    uint8_t x = k < pa ? fill : static_cast<uint8_t>(a[k - pa]);
    uint8_t y = k < pb ? fill : static_cast<uint8_t>(b[k - pb]);
    if (x != y) {
      return x < y ? -1 : 1;
    }
  }
  return 0;
}

double HalfBytesToDouble(std::string_view b) {
  const uint16_t h =
      static_cast<uint16_t>(static_cast<uint8_t>(b[0]) | (static_cast<uint8_t>(b[1]) << 8));
  const int exp = (h >> 10) & 0x1f;
  const int mant = h & 0x3ff;
  double v;
  if (exp == 0) {
    v = std::ldexp(mant, -24);
  } else if (exp == 31) {
    v = mant ? std::nan("") : INFINITY;
  } else {
    v = std::ldexp(mant + 1024, exp - 25);
  }
  return (h & 0x8000) ? -v : v;
}

template <typename T>
int Cmp(T a, T b) {
  return a < b ? -1 : (b < a ? 1 : 0);
}

bool IsUtf8Logical(const SchemaNode& leaf) {
  const LogicalKind k = leaf.logical.kind;
  return k == LogicalKind::kString || k == LogicalKind::kEnum || k == LogicalKind::kJson;
}

bool IsContinuation(char c) { return (static_cast<uint8_t>(c) & 0xC0) == 0x80; }

// Largest prefix of at most `limit` bytes that ends on a character boundary (for UTF-8).
std::string_view TruncatePrefix(std::string_view s, size_t limit, bool utf8) {
  if (s.size() <= limit) {
    return s;
  }
  size_t n = limit;
  if (utf8) {
    while (n > 0 && IsContinuation(s[n])) {
      --n;
    }
  }
  return s.substr(0, n);
}

// Decode the last UTF-8 character of `s` (valid or not: nullopt when not decodable).
bool PopLastCodePoint(std::string* s, uint32_t* cp) {
  size_t start = s->size();
  while (start > 0 && IsContinuation((*s)[start - 1])) {
    --start;
  }
  if (start == 0) {
    return false;
  }
  --start;
  const auto lead = static_cast<uint8_t>((*s)[start]);
  const size_t len = s->size() - start;
  size_t want;
  uint32_t v;
  if (lead < 0x80) {
    want = 1;
    v = lead;
  } else if ((lead & 0xE0) == 0xC0) {
    want = 2;
    v = lead & 0x1F;
  } else if ((lead & 0xF0) == 0xE0) {
    want = 3;
    v = lead & 0x0F;
  } else if ((lead & 0xF8) == 0xF0) {
    want = 4;
    v = lead & 0x07;
  } else {
    return false;
  }
  if (len != want) {
    return false;
  }
  for (size_t k = 1; k < len; ++k) {
    v = (v << 6) | (static_cast<uint8_t>((*s)[start + k]) & 0x3F);
  }
  s->resize(start);
  *cp = v;
  return true;
}

// The smallest value of at most `limit` bytes that is >= every string starting with the
// truncated prefix of `s`: the prefix with its last character (UTF-8) or byte incremented.
std::optional<std::string> TruncateUpper(std::string_view s, size_t limit, bool utf8) {
  std::string out(TruncatePrefix(s, limit, utf8));
  if (utf8) {
    while (!out.empty()) {
      std::string before = out;
      uint32_t cp;
      if (!PopLastCodePoint(&out, &cp)) {
        out = std::move(before);
        break;  // not valid UTF-8: fall back to bytes
      }
      uint32_t next = cp + 1;
      if (next >= 0xD800 && next <= 0xDFFF) {
        next = 0xE000;
      }
      if (next <= 0x10FFFF) {
        AppendUtf8(out, next);
        if (out.size() <= limit) {
          return out;
        }
        out.resize(out.size() - (next < 0x80 ? 1 : next < 0x800 ? 2 : next < 0x10000 ? 3 : 4));
      }
      // This character cannot grow within the limit: drop it and increment the one before.
    }
    if (out.empty()) {
      return std::nullopt;
    }
  }
  while (!out.empty()) {
    auto& b = reinterpret_cast<uint8_t&>(out.back());
    if (b != 0xff) {
      ++b;
      return out;
    }
    out.pop_back();
  }
  return std::nullopt;
}

std::string StatBytes(const ColumnData& c, size_t i) { return std::string(ValueBytes(c, i)); }

}  // namespace

int StatsComputer::Compare(size_t a, size_t b) const {
  switch (order_) {
    case Order::kNone:
      return 0;
    case Order::kSigned:
      if (c_.type == PhysicalType::kInt32) {
        return Cmp(c_.i32[a], c_.i32[b]);
      }
      return Cmp(c_.i64[a], c_.i64[b]);
    case Order::kUnsigned:
      if (c_.type == PhysicalType::kBoolean) {
        return Cmp(c_.bools[a] != 0, c_.bools[b] != 0);
      }
      if (c_.type == PhysicalType::kInt32) {
        return Cmp(static_cast<uint32_t>(c_.i32[a]), static_cast<uint32_t>(c_.i32[b]));
      }
      return Cmp(static_cast<uint64_t>(c_.i64[a]), static_cast<uint64_t>(c_.i64[b]));
    case Order::kFloat:
      if (c_.type == PhysicalType::kFloat) {
        return Cmp(c_.f32[a], c_.f32[b]);
      }
      return Cmp(c_.f64[a], c_.f64[b]);
    case Order::kBytes:
      return CompareBytes(c_.bytes[a], c_.bytes[b]);
    case Order::kDecimalBytes:
      return CompareDecimalBytes(c_.bytes[a], c_.bytes[b]);
    case Order::kHalf:
      return Cmp(HalfBytesToDouble(c_.bytes[a]), HalfBytesToDouble(c_.bytes[b]));
  }
  return 0;
}

bool StatsComputer::Skip(size_t i) const {
  if (order_ == Order::kFloat) {
    return c_.type == PhysicalType::kFloat ? std::isnan(c_.f32[i]) : std::isnan(c_.f64[i]);
  }
  if (order_ == Order::kHalf) {
    return std::isnan(HalfBytesToDouble(c_.bytes[i]));
  }
  return false;
}

namespace {

// Min/max of values [begin, end) of one array under `less`, skipping those `skip` names: the
// typed loop of StatsComputer::Range (no dispatch per value).
template <typename T, typename Less, typename SkipValue>
MinMax RangeOf(const std::vector<T>& v, size_t begin, size_t end, Less less, SkipValue skip) {
  MinMax mm;
  size_t i = begin;
  while (i < end && skip(v[i])) ++i;
  if (i == end) return mm;
  size_t lo = i, hi = i;
  for (++i; i < end; ++i) {
    if (skip(v[i])) continue;
    if (less(v[i], v[lo])) lo = i;
    if (less(v[hi], v[i])) hi = i;
  }
  mm.min = static_cast<int64_t>(lo);
  mm.max = static_cast<int64_t>(hi);
  return mm;
}

}  // namespace

MinMax StatsComputer::Range(size_t begin, size_t end) const {
  auto never = [](const auto&) { return false; };
  auto nan = [](auto x) { return std::isnan(x); };
  auto lt = [](auto a, auto b) { return a < b; };
  switch (order_) {
    case Order::kNone:
      return MinMax{};
    case Order::kSigned:
      if (c_.type == PhysicalType::kInt32) return RangeOf(c_.i32, begin, end, lt, never);
      if (c_.type == PhysicalType::kInt64) return RangeOf(c_.i64, begin, end, lt, never);
      break;
    case Order::kUnsigned:
      if (c_.type == PhysicalType::kInt32) {
        return RangeOf(c_.i32, begin, end, [](int32_t a, int32_t b) {
          return static_cast<uint32_t>(a) < static_cast<uint32_t>(b);
        }, never);
      }
      if (c_.type == PhysicalType::kInt64) {
        return RangeOf(c_.i64, begin, end, [](int64_t a, int64_t b) {
          return static_cast<uint64_t>(a) < static_cast<uint64_t>(b);
        }, never);
      }
      break;
    case Order::kFloat:
      if (c_.type == PhysicalType::kFloat) return RangeOf(c_.f32, begin, end, lt, nan);
      if (c_.type == PhysicalType::kDouble) return RangeOf(c_.f64, begin, end, lt, nan);
      break;
    case Order::kBytes:
      return RangeOf(c_.bytes, begin, end, [](std::string_view a, std::string_view b) {
        return (a.data() != b.data() || a.size() != b.size()) && CompareBytes(a, b) < 0;
      }, never);
    default:
      break;
  }
  MinMax mm;
  for (size_t i = begin; i < end; ++i) {
    if (Skip(i)) {
      continue;
    }
    if (mm.min < 0) {
      mm.min = mm.max = static_cast<int64_t>(i);
      continue;
    }
    if (Compare(i, static_cast<size_t>(mm.min)) < 0) {
      mm.min = static_cast<int64_t>(i);
    }
    if (Compare(i, static_cast<size_t>(mm.max)) > 0) {
      mm.max = static_cast<int64_t>(i);
    }
  }
  return mm;
}

MinMax StatsComputer::Merge(MinMax a, MinMax b) const {
  if (a.min < 0) {
    return b;
  }
  if (b.min < 0) {
    return a;
  }
  MinMax out = a;
  if (Compare(static_cast<size_t>(b.min), static_cast<size_t>(a.min)) < 0) {
    out.min = b.min;
  }
  if (Compare(static_cast<size_t>(b.max), static_cast<size_t>(a.max)) > 0) {
    out.max = b.max;
  }
  return out;
}

namespace {
// The float or double bounds `min` and `max` (values mm.min and mm.max of `values`) with a zero
// written as -0.0 when it is the min and +0.0 when it is the max.
template <typename T>
void SignZeroBounds(const std::vector<T>& values, MinMax mm, std::string& min, std::string& max) {
  T lo = values[static_cast<size_t>(mm.min)];
  T hi = values[static_cast<size_t>(mm.max)];
  if (lo == T{0}) {
    lo = -T{0};
  }
  if (hi == T{0}) {
    hi = +T{0};
  }
  std::memcpy(min.data(), &lo, sizeof(T));
  std::memcpy(max.data(), &hi, sizeof(T));
}
}  // namespace

// Statistics of a page or chunk as Thrift, from min/max indices and a null count.
format::Statistics MakeStatistics(const SchemaNode& leaf, const ColumnData& c,
                                  const StatsComputer& sc, MinMax mm, int64_t null_count,
                                  int64_t truncate_length) {
  format::Statistics s;
  s.__set_null_count(null_count);
  if (mm.min < 0) {
    return s;
  }
  std::string min = StatBytes(c, static_cast<size_t>(mm.min));
  std::string max = StatBytes(c, static_cast<size_t>(mm.max));
  bool min_exact = true;
  bool max_exact = true;
  if (sc.order() == Order::kFloat) {
    // "When writing statistics ... if the min is a zero, write -0.0; if the max is a zero, +0.0"
    // (parquet.thrift, ColumnOrder notes on floating point).
    if (c.type == PhysicalType::kFloat) {
      SignZeroBounds(c.f32, mm, min, max);
    } else {
      SignZeroBounds(c.f64, mm, min, max);
    }
  }
  if (c.type == PhysicalType::kBoolean) {
    min = std::string(1, static_cast<char>(c.bools[static_cast<size_t>(mm.min)] != 0));
    max = std::string(1, static_cast<char>(c.bools[static_cast<size_t>(mm.max)] != 0));
  }
  if (sc.order() == Order::kBytes && c.type == PhysicalType::kByteArray && truncate_length > 0) {
    const size_t limit = static_cast<size_t>(truncate_length);
    const bool utf8 = IsUtf8Logical(leaf);
    if (min.size() > limit) {
      min = std::string(TruncatePrefix(min, limit, utf8));
      min_exact = false;
    }
    if (max.size() > limit) {
      auto upper = TruncateUpper(max, limit, utf8);
      if (!upper) {
        s.__set_min_value(min);
        s.__set_is_min_value_exact(min_exact);
        return s;  // no bound fits: leave max out
      }
      max = std::move(*upper);
      max_exact = false;
    }
  }
  s.__set_min_value(min);
  s.__set_max_value(max);
  s.__set_is_min_value_exact(min_exact);
  s.__set_is_max_value_exact(max_exact);
  // The deprecated min/max are signed comparisons; older readers still use them for the types
  // whose order that is.
  if (sc.order() == Order::kSigned || sc.order() == Order::kFloat ||
      c.type == PhysicalType::kBoolean) {
    s.__set_min(min);
    s.__set_max(max);
  }
  return s;
}

}  // namespace lakeshare::parquet

#include <cstdint>

#include "common/strings.h"
#include "delta/json_util_internal.h"

namespace lakeshare::delta {

namespace {

bool ReadHex4(std::string_view s, size_t pos, uint32_t* out) {
  if (pos + 4 > s.size()) {
    return false;
  }
  uint32_t v = 0;
  for (size_t i = 0; i < 4; ++i) {
    int h = HexDigitValue(s[pos + i]);
    if (h < 0) {
      return false;
    }
    v = v * 16 + static_cast<uint32_t>(h);
  }
  *out = v;
  return true;
}

}  // namespace

bool UnescapeJsonString(std::string_view s, std::string& out) {
  out.clear();
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c != '\\') {
      out.push_back(c);
      continue;
    }
    if (++i >= s.size()) {
      return false;
    }
    switch (s[i]) {
      case '"':
        out.push_back('"');
        break;
      case '\\':
        out.push_back('\\');
        break;
      case '/':
        out.push_back('/');
        break;
      case 'b':
        out.push_back('\b');
        break;
      case 'f':
        out.push_back('\f');
        break;
      case 'n':
        out.push_back('\n');
        break;
      case 'r':
        out.push_back('\r');
        break;
      case 't':
        out.push_back('\t');
        break;
      case 'u': {
        uint32_t cp;
        if (!ReadHex4(s, i + 1, &cp)) {
          return false;
        }
        i += 4;
        if (cp >= 0xd800 && cp < 0xdc00) {
          uint32_t lo;
          if (i + 2 < s.size() && s[i + 1] == '\\' && s[i + 2] == 'u' && ReadHex4(s, i + 3, &lo) &&
              lo >= 0xdc00 && lo < 0xe000) {
            cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
            i += 6;
          } else {
            cp = 0xfffd;
          }
        } else if (cp >= 0xdc00 && cp < 0xe000) {
          cp = 0xfffd;
        }
        AppendUtf8(out, cp);
        break;
      }
      default:
        return false;
    }
  }
  return true;
}

}  // namespace lakeshare::delta

// Replays every file under the given folders (or files) through LLVMFuzzerTestOneInput once, so
// fuzz seeds run on every build without libFuzzer. Exit status 0 means no input crashed.
// Inputs run smallest first (then by name), the order libFuzzer runs a corpus in: targets whose
// inputs build on one another (a metastore that keeps the objects earlier inputs made) see the
// same sequence here as under `make fuzz`, on every machine.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

int main(int argc, char** argv) {
  namespace fs = std::filesystem;
  size_t count = 0;
  for (int i = 1; i < argc; ++i) {
    std::vector<fs::path> files;
    if (fs::is_directory(argv[i])) {
      for (const auto& e : fs::recursive_directory_iterator(argv[i])) {
        if (e.is_regular_file()) files.push_back(e.path());
      }
    } else {
      files.emplace_back(argv[i]);
    }
    std::sort(files.begin(), files.end(), [](const fs::path& a, const fs::path& b) {
      const auto size_a = fs::file_size(a), size_b = fs::file_size(b);
      return size_a != size_b ? size_a < size_b : a < b;
    });
    for (const auto& f : files) {
      std::ifstream in(f, std::ios::binary);
      std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
      ++count;
    }
  }
  std::printf("replayed %zu input(s) without a crash\n", count);
  return count == 0 ? 1 : 0;
}

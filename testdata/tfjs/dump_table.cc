// Dumps a LevelDB-format table (a TensorFlow tensor bundle's .index) with
// LevelDB's own reader, checksums verified: one line per entry, key and
// value in hex. An independent check of tfjs_to_graphdef.py's table writer.
//
//   g++ -O1 -o dump_table dump_table.cc -lleveldb   (Debian libleveldb-dev)
//   dump_table variables.index
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>

#include "leveldb/env.h"
#include "leveldb/iterator.h"
#include "leveldb/options.h"
#include "leveldb/table.h"

namespace {

std::string Hex(const leveldb::Slice& s) {
  static const char kDigits[] = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  }
  return out;
}

int Fail(const std::string& what, const leveldb::Status& status) {
  std::fprintf(stderr, "dump_table: error: %s: %s\n", what.c_str(),
               status.ToString().c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: dump_table FILE\n");
    return 2;
  }
  leveldb::Env* env = leveldb::Env::Default();
  uint64_t size = 0;
  leveldb::Status status = env->GetFileSize(argv[1], &size);
  if (!status.ok()) return Fail(argv[1], status);
  leveldb::RandomAccessFile* raw_file = nullptr;
  status = env->NewRandomAccessFile(argv[1], &raw_file);
  if (!status.ok()) return Fail(argv[1], status);
  std::unique_ptr<leveldb::RandomAccessFile> file(raw_file);
  leveldb::Options options;
  options.paranoid_checks = true;
  leveldb::Table* raw_table = nullptr;
  status = leveldb::Table::Open(options, file.get(), size, &raw_table);
  if (!status.ok()) return Fail(argv[1], status);
  std::unique_ptr<leveldb::Table> table(raw_table);
  leveldb::ReadOptions read;
  read.verify_checksums = true;
  std::unique_ptr<leveldb::Iterator> it(table->NewIterator(read));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    std::printf("%s %s\n", Hex(it->key()).c_str(), Hex(it->value()).c_str());
  }
  if (!it->status().ok()) return Fail(argv[1], it->status());
  return 0;
}

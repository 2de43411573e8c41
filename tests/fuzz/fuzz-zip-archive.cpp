// The zip reader under .pt checkpoints: central directory, zip64 records, local headers.
#include "fuzz/fuzz-target.h"
#include "io/zip-archive.h"

SAM3RT_FUZZ_TARGET(zip_archive) {
  sam3rt::ZipArchive zip(sam3rt::MappedFile::from_memory(data, size, "fuzz.zip"));
  // Read every stored entry end to end: an offset that escaped the checks would overflow here.
  for (const auto& [name, entry] : zip.entries()) {
    if (entry.method != 0) continue;
    uint64_t n = 0;
    const uint8_t* p = zip.data(name, &n);
    volatile uint8_t sink = 0;
    for (uint64_t i = 0; i < n; ++i) sink = sink ^ p[i];
  }
}

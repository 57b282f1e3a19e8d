#include "wallet-engine/sim_disk.h"

#include <algorithm>
#include <atomic>
#include <cstring>

namespace wallet {

uint64_t SimDisk::NewLineage() {
  static std::atomic<uint64_t> next{1};
  return next.fetch_add(1, std::memory_order_relaxed);
}

void SimDisk::ApplyWrite(File* f, uint64_t offset, std::string_view bytes) {
  LargeBytes& data = f->durable;
  if (offset == data.size()) {  // the log's usual case: an append
    data.append(bytes);
    return;
  }
  if (offset < data.size() && !bytes.empty()) f->lineage = NewLineage();
  if (data.size() < offset + bytes.size()) data.resize(offset + bytes.size());
  std::memcpy(data.data() + offset, bytes.data(), bytes.size());
}

SimDisk::File& SimDisk::FileNamed(std::string_view name) {
  if (cache_.file && cache_.name == name) return *cache_.file;
  auto it = files_.find(name);
  if (it == files_.end()) it = files_.emplace(std::string(name), File{}).first;
  File& f = it->second;
  cache_.file = &f;
  cache_.name = name;
  return f;
}

uint64_t SimDisk::UsedBytes() const {
  uint64_t used = 0;
  for (const auto& [name, f] : files_) {
    used += f.durable.size();
    for (const auto& p : f.pending) used += p.bytes.size();
  }
  return used;
}

uint64_t SimDisk::HeldBytes() const {
  uint64_t held = 0;
  auto add = [&](const File& f) {
    held += f.durable.capacity();
    for (const auto& p : f.pending) held += p.bytes.capacity();
  };
  for (const auto& [name, f] : files_) add(f);
  for (const auto& [name, f] : renamed_away_) add(f);
  return held;
}

IoCompletion SimDisk::Execute(const IoRequest& request) {
  IoRequest copy = request;
  return Execute(std::move(copy));
}

IoCompletion SimDisk::Execute(IoRequest&& req) {
  IoCompletion c{req.id, IoStatus::kOk};
  switch (req.kind) {
    case IoKind::kWrite: {
      if (faults_.capacity_bytes != UINT64_MAX &&
          UsedBytes() + req.bytes.size() > faults_.capacity_bytes) {
        c.status = IoStatus::kNoSpace;
        return c;
      }
      PendingWrite w;
      w.offset = req.offset;
      w.bytes = std::move(req.bytes);
      if (faults_.lost_write_ppm && rng_.Below(1'000'000) < faults_.lost_write_ppm) {
        w.lost = true;
        ++log_.lost_writes;
      } else if (faults_.misdirect_write_ppm &&
                 rng_.Below(1'000'000) < faults_.misdirect_write_ppm) {
        w.misdirected = true;
        ++log_.misdirected_writes;
      }
      FileNamed(req.file).pending.push_back(std::move(w));
      return c;
    }
    case IoKind::kFlush: {
      File& f = FileNamed(req.file);
      if (faults_.fsync_error_ppm && rng_.Below(1'000'000) < faults_.fsync_error_ppm) {
        ++log_.fsync_errors;
        log_.dropped_writes += f.pending.size();
        f.pending.clear();
        c.status = IoStatus::kError;
        return c;
      }
      for (const PendingWrite& w : f.pending) {
        if (w.lost) {
          // The medium kept nothing; the size still covers the region.
          if (f.durable.size() < w.offset + w.bytes.size())
            f.durable.resize(w.offset + w.bytes.size());
        } else if (w.misdirected) {
          if (f.durable.size() < w.offset + w.bytes.size())
            f.durable.resize(w.offset + w.bytes.size());
          ApplyWrite(&f, w.offset + faults_.misdirect_bytes, w.bytes);
        } else {
          ApplyWrite(&f, w.offset, w.bytes);
        }
      }
      f.pending.clear();
      return c;
    }
    case IoKind::kRename: {
      cache_.file = nullptr;
      auto it = files_.find(req.file.view());
      if (it == files_.end()) {
        c.status = IoStatus::kError;
        return c;
      }
      // Renames happen after the source was flushed; keep it simple and
      // require that (the engine does).
      WE_ASSERT(it->second.pending.empty());
      // Moves, not copies: a snapshot's bytes change names without a second
      // buffer (a deep copy mapped and zeroed fresh pages of the image's size
      // at every snapshot; issue 7).
      auto old = files_.find(req.target);
      if (old != files_.end()) renamed_away_[req.target] = std::move(old->second);
      files_[req.target] = std::move(it->second);
      files_.erase(it);
      pending_renames_.emplace_back(req.file.str(), req.target);
      return c;
    }
    case IoKind::kFlushDir:
      pending_renames_.clear();
      renamed_away_.clear();
      return c;
    case IoKind::kTruncate: {
      File& f = FileNamed(req.file);
      WE_ASSERT(f.pending.empty());
      if (f.durable.size() > req.offset) {
        f.durable.resize(req.offset);
        f.lineage = NewLineage();
      }
      return c;
    }
  }
  return c;
}

void SimDisk::Crash() {
  cache_.file = nullptr;
  for (auto& [name, f] : files_) {
    bool cut = false;  // once a write is torn or dropped, later ones are lost too
    for (const PendingWrite& w : f.pending) {
      if (cut || w.lost) {
        ++log_.dropped_writes;
        continue;
      }
      const uint64_t roll = rng_.Below(3);
      if (roll == 0) {
        ++log_.dropped_writes;
        cut = true;
      } else if (roll == 1 && w.bytes.size() > 512) {
        const uint64_t sectors = w.bytes.size() / 512;
        const uint64_t keep = rng_.Below(sectors) * 512;  // a strict prefix
        ApplyWrite(&f, w.offset, std::string_view(w.bytes).substr(0, keep));
        ++log_.torn_writes;
        cut = true;
      } else {
        ApplyWrite(&f, w.offset, w.bytes);
      }
    }
    f.pending.clear();
  }
  // Undo unflushed renames (in reverse) with probability 1/2 each.
  for (auto it = pending_renames_.rbegin(); it != pending_renames_.rend(); ++it) {
    if (rng_.Below(2) == 0) continue;
    const auto& [from, to] = *it;
    auto f = files_.find(to);
    if (f == files_.end()) continue;
    files_[from] = f->second;
    files_.erase(f);
    auto old = renamed_away_.find(to);
    if (old != renamed_away_.end()) files_[to] = old->second;
  }
  pending_renames_.clear();
  renamed_away_.clear();
  // Files that never reached the medium do not exist.
  for (auto it = files_.begin(); it != files_.end();) {
    if (it->second.durable.empty()) it = files_.erase(it);
    else ++it;
  }
}

DirImage SimDisk::Image() const {
  DirImage image;
  for (const auto& [name, f] : files_) image[name] = std::string(f.durable.view());
  return image;
}

void SimDisk::FlipBit(const std::string& file, uint64_t offset, int bit) {
  File& f = files_.at(file);
  WE_ASSERT(offset < f.durable.size());
  char& byte = f.durable.data()[offset];
  byte = static_cast<char>(byte ^ (1 << bit));
  f.lineage = NewLineage();
  ++log_.bit_flips;
}

}  // namespace wallet

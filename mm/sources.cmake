# mm/: memory core (frame allocator, page tables, reverse map, heap). Plain C++, host-testable.
# Page tables are header-only templates (page_table.hpp + *_format.hpp).
list(APPEND SAMEPAGE_PORTABLE_SOURCES
  mm/mm_error.cpp
  mm/memory_map.cpp
  mm/memory_pressure.cpp
  mm/frame_allocator.cpp
  mm/reverse_map.cpp
  mm/page_table_instances.cpp
  mm/small_heap.cpp
  mm/sharing/sharing_error.cpp
  mm/sharing/fingerprint.cpp
  mm/sharing/fingerprint_index.cpp
  mm/sharing/stable_nodes.cpp
  mm/sharing/tunables.cpp
  mm/sharing/engine.cpp
  mm/sharing/scanner.cpp
  mm/sharing/scan_pacer.cpp
  mm/sharing/cow.cpp
  mm/sharing/large_mappings.cpp
)

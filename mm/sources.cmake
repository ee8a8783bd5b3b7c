# mm/: memory core (frame allocator, page tables, reverse map, heap). Plain C++, host-testable.
list(APPEND SAMEPAGE_PORTABLE_SOURCES
)

# hv/: hypervisor core. PORTABLE builds for the host tests and the image; IMAGE only for the image.
list(APPEND SAMEPAGE_PORTABLE_SOURCES
  hv/lib/sink.cpp
  hv/lib/format.cpp
)
list(APPEND SAMEPAGE_IMAGE_SOURCES
)

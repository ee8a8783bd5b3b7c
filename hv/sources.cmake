# hv/: hypervisor core. PORTABLE builds for the host tests and the image; IMAGE only for the
# image; HOST only for host builds (host stand-ins for what the image provides itself).
list(APPEND SAMEPAGE_PORTABLE_SOURCES
  hv/lib/sink.cpp
  hv/lib/format.cpp
)
list(APPEND SAMEPAGE_IMAGE_SOURCES
)
list(APPEND SAMEPAGE_HOST_SOURCES
  hv/lib/panic_host.cpp
)

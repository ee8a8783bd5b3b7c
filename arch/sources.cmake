# arch/: x86-64 specifics. Decoders of raw CPU data are PORTABLE (host-tested); code that touches
# the CPU is IMAGE only.
list(APPEND SAMEPAGE_PORTABLE_SOURCES
)
list(APPEND SAMEPAGE_IMAGE_SOURCES
)

# boot/: UEFI entry and hand-off; the only code that knows UEFI.
list(APPEND SAMEPAGE_IMAGE_SOURCES
)

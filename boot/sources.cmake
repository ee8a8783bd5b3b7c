# boot/: UEFI entry and hand-off; the only code that knows UEFI.
list(APPEND SAMEPAGE_IMAGE_SOURCES
  boot/efi_main.cpp
  boot/uefi_allocator_storage.cpp
  boot/uefi_exit.cpp
  boot/uefi_files.cpp
)

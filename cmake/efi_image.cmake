# The UEFI image: every PORTABLE and IMAGE source compiled freestanding, linked with GNU-EFI's
# start-up code into an ELF shared object, turned into a PE image by objcopy, and put on an ESP.
set(GNU_EFI_INCLUDE /usr/include/efi)
set(GNU_EFI_CRT0 /usr/lib/crt0-efi-x86_64.o)
set(GNU_EFI_LIB /usr/lib/libgnuefi.a)
foreach(f ${GNU_EFI_INCLUDE}/efi.h ${GNU_EFI_CRT0} ${GNU_EFI_LIB})
  if(NOT EXISTS ${f})
    message(FATAL_ERROR "GNU-EFI is missing (${f}); install Debian's gnu-efi package")
  endif()
endforeach()
find_program(OBJCOPY objcopy REQUIRED)
find_program(LD_BFD ld.bfd REQUIRED)

include(${CMAKE_SOURCE_DIR}/hv/guest/programs/programs.cmake)
add_library(samepage_image_objects OBJECT ${SAMEPAGE_PORTABLE_SOURCES} ${SAMEPAGE_IMAGE_SOURCES}
    ${GUEST_PROGRAM_IMAGES})
add_dependencies(samepage_image_objects samepage_guest_programs)
target_include_directories(samepage_image_objects PRIVATE ${CMAKE_SOURCE_DIR})
target_include_directories(samepage_image_objects SYSTEM PRIVATE
    ${GNU_EFI_INCLUDE} ${GNU_EFI_INCLUDE}/x86_64)
target_compile_definitions(samepage_image_objects PRIVATE SAMEPAGE_IMAGE=1 GNU_EFI_USE_MS_ABI=1
    SAMEPAGE_VERSION="${PROJECT_VERSION}")
# -mgeneral-regs-only: vector registers belong to the guests; code that needs them (XXH3) will be
# built separately and run only after the guest's extended state is saved.
target_compile_options(samepage_image_objects PRIVATE
    ${SAMEPAGE_WARNINGS}
    -ffreestanding -fno-builtin-printf -fno-stack-protector -fshort-wchar -mno-red-zone
    -mgeneral-regs-only -fpic -fvisibility=hidden -fno-asynchronous-unwind-tables
    -fno-unwind-tables -fno-omit-frame-pointer
    $<$<COMPILE_LANGUAGE:CXX>:-fno-exceptions -fno-rtti -fno-threadsafe-statics>)

set(SAMEPAGE_EFI_SO ${CMAKE_BINARY_DIR}/samepage.so)
set(SAMEPAGE_EFI ${CMAKE_BINARY_DIR}/samepage.efi)
set(SAMEPAGE_LDS ${CMAKE_SOURCE_DIR}/boot/samepage.lds)
add_custom_command(
  OUTPUT ${SAMEPAGE_EFI_SO}
  COMMAND ${LD_BFD} -nostdlib -znocombreloc -shared -Bsymbolic --no-undefined
          -T ${SAMEPAGE_LDS} ${GNU_EFI_CRT0} $<TARGET_OBJECTS:samepage_image_objects>
          ${GNU_EFI_LIB} -o ${SAMEPAGE_EFI_SO}
  DEPENDS samepage_image_objects $<TARGET_OBJECTS:samepage_image_objects> ${SAMEPAGE_LDS}
  COMMAND_EXPAND_LISTS
  COMMENT "Linking samepage.so")
add_custom_command(
  OUTPUT ${SAMEPAGE_EFI}
  COMMAND ${OBJCOPY} -j .text -j .sdata -j .data -j .dynamic -j .dynsym -j .rel -j .rela -j .reloc
          --target efi-app-x86_64 ${SAMEPAGE_EFI_SO} ${SAMEPAGE_EFI}
  COMMAND ${CMAKE_COMMAND} -DEFI_SO=${SAMEPAGE_EFI_SO} -P ${CMAKE_SOURCE_DIR}/cmake/check_image.cmake
  DEPENDS ${SAMEPAGE_EFI_SO} ${CMAKE_SOURCE_DIR}/cmake/check_image.cmake
  COMMENT "Making samepage.efi")

# The ESP: a FAT16 image (boots in QEMU and, without a partition table, in Bochs).
set(SAMEPAGE_ESP ${CMAKE_BINARY_DIR}/esp.img)
set(SAMEPAGE_CONFIG ${CMAKE_SOURCE_DIR}/boot/samepage.cfg)
add_custom_command(
  OUTPUT ${SAMEPAGE_ESP}
  COMMAND ${CMAKE_SOURCE_DIR}/tools/make-esp ${SAMEPAGE_ESP} ${SAMEPAGE_EFI} ${SAMEPAGE_CONFIG}
  DEPENDS ${SAMEPAGE_EFI} ${SAMEPAGE_CONFIG} ${CMAKE_SOURCE_DIR}/tools/make-esp
  COMMENT "Making the ESP image esp.img")
add_custom_target(samepage_image ALL DEPENDS ${SAMEPAGE_EFI} ${SAMEPAGE_ESP})

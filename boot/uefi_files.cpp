#include "boot/uefi_files.hpp"

namespace sp::boot {

void ucs2_to_ascii(const CHAR16* in, size_t in_chars, char* out, size_t out_size)
{
    if (out_size == 0) return;
    size_t n = 0;
    for (size_t i = 0; i < in_chars && in[i] && n + 1 < out_size; ++i)
        out[n++] = (in[i] >= 0x20 && in[i] < 0x7f) ? static_cast<char>(in[i]) : '?';
    out[n] = '\0';
}

FileData read_file(EFI_BOOT_SERVICES* bs, EFI_HANDLE device, const CHAR16* path)
{
    FileData result;
    EFI_GUID fs_guid = SIMPLE_FILE_SYSTEM_PROTOCOL;
    EFI_SIMPLE_FILE_SYSTEM_PROTOCOL* fs = nullptr;
    result.status = bs->HandleProtocol(device, &fs_guid, reinterpret_cast<void**>(&fs));
    if (EFI_ERROR(result.status)) return result;
    EFI_FILE_PROTOCOL* root = nullptr;
    result.status = fs->OpenVolume(fs, &root);
    if (EFI_ERROR(result.status)) return result;
    EFI_FILE_PROTOCOL* file = nullptr;
    result.status = root->Open(root, &file, const_cast<CHAR16*>(path), EFI_FILE_MODE_READ, 0);
    if (EFI_ERROR(result.status)) {
        root->Close(root);
        return result;
    }
    EFI_GUID info_guid = EFI_FILE_INFO_ID;
    alignas(8) unsigned char info_buf[sizeof(EFI_FILE_INFO) + 512];
    UINTN info_size = sizeof info_buf;
    result.status = file->GetInfo(file, &info_guid, &info_size, info_buf);
    if (!EFI_ERROR(result.status)) {
        UINTN size = reinterpret_cast<EFI_FILE_INFO*>(info_buf)->FileSize;
        void* buffer = nullptr;
        result.status = bs->AllocatePool(EfiLoaderData, size + 1, &buffer);
        if (!EFI_ERROR(result.status)) {
            UINTN read = size;
            result.status = file->Read(file, &read, buffer);
            if (!EFI_ERROR(result.status)) {
                result.data = static_cast<char*>(buffer);
                result.data[read] = '\0';
                result.size = read;
            } else {
                bs->FreePool(buffer);
            }
        }
    }
    file->Close(file);
    root->Close(root);
    return result;
}

void image_directory(EFI_LOADED_IMAGE* image, CHAR16* out, size_t out_chars)
{
    // Concatenate the media file-path nodes (UEFI spec 10.3.5.4), then cut after the last '\'.
    size_t n = 0;
    auto node = reinterpret_cast<const uint8_t*>(image ? image->FilePath : nullptr);
    for (int guard = 0; node && guard < 64; ++guard) {
        uint8_t type = node[0], subtype = node[1];
        uint16_t length = static_cast<uint16_t>(node[2] | (node[3] << 8));
        if (type == 0x7f || length < 4) break; // end of path
        if (type == MEDIA_DEVICE_PATH && subtype == MEDIA_FILEPATH_DP) {
            auto text = reinterpret_cast<const CHAR16*>(node + 4);
            size_t chars = (length - 4u) / 2;
            for (size_t i = 0; i < chars && text[i] && n + 1 < out_chars; ++i) {
                if (n > 0 && out[n - 1] == L'\\' && text[i] == L'\\') continue;
                out[n++] = text[i];
            }
        }
        node += length;
    }
    while (n > 0 && out[n - 1] != L'\\') --n;
    if (n == 0) out[n++] = L'\\';
    out[n] = 0;
}

} // namespace sp::boot

// Instantiates the page-table template for every format with the image's policies, so the
// freestanding build checks all of it and the image links one copy.
#include "mm/ept_format.hpp"
#include "mm/page_table.hpp"
#include "mm/physical_memory.hpp"
#include "mm/x86_paging_format.hpp"

namespace sp::mm {

template class PageTable<HostFormat<4>, IdentityMemory, NoTlb>;
template class PageTable<EptFormat<4>, IdentityMemory, NoTlb>;
template class PageTable<NptFormat<4>, IdentityMemory, NoTlb>;

} // namespace sp::mm

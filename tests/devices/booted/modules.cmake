# The booted PCI image (included by modules/initrd.cmake in arch builds): init, pci-probe and
# pci-intruder, as initrd-pci.tar and esp-pci.img (test boot.<arch>.pci-devices, label devices;boot).
set(pci_booted_source ${CMAKE_CURRENT_LIST_DIR})
foreach(module pci-probe pci-intruder)
    string(REPLACE "-" "_" source_name ${module})
    azoth_wasm_module(${module} ${pci_booted_source}/${source_name}.c INCLUDE ${AZOTH_TEST_SUPPORT_INCLUDE})
endforeach()

set(pci_entries init=${AZOTH_MODULES_OUT}/init.wasm:${pci_booted_source}/init.manifest)
foreach(module pci-probe pci-intruder)
    list(APPEND pci_entries ${module}=${AZOTH_MODULES_OUT}/${module}.wasm:${pci_booted_source}/${module}.manifest)
endforeach()
azoth_booted_image(pci ${pci_entries})

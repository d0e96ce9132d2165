# The booted device images (included by modules/initrd.cmake in arch builds):
#   initrd-pci.tar / esp-pci.img: init, pci-probe and pci-intruder (test boot.<arch>.pci-devices);
#   initrd-virtio.tar / esp-virtio.img: init, the virtio-rng driver of modules/virtio-rng (with
#   --once) and pci-dma, the hostile DMA driver (test boot.<arch>.virtio-rng-dma);
#   initrd-irq.tar / esp-irq.img: init and pci-irq, MSI-X against a driver that never acknowledges
#   (test boot.<arch>.pci-irq-storm).
# Both labelled devices;boot.
set(pci_booted_source ${CMAKE_CURRENT_LIST_DIR})
foreach(module pci-probe pci-intruder pci-dma pci-irq)
    string(REPLACE "-" "_" source_name ${module})
    azoth_wasm_module(${module} ${pci_booted_source}/${source_name}.c INCLUDE ${AZOTH_TEST_SUPPORT_INCLUDE})
endforeach()

set(pci_entries init=${AZOTH_MODULES_OUT}/init.wasm:${pci_booted_source}/init.manifest)
foreach(module pci-probe pci-intruder)
    list(APPEND pci_entries ${module}=${AZOTH_MODULES_OUT}/${module}.wasm:${pci_booted_source}/${module}.manifest)
endforeach()
azoth_booted_image(pci ${pci_entries})

azoth_booted_image(virtio
    init=${AZOTH_MODULES_OUT}/init.wasm:${pci_booted_source}/init.manifest
    virtio-rng=${AZOTH_MODULES_OUT}/virtio-rng.wasm:${pci_booted_source}/virtio-rng.manifest
    pci-dma=${AZOTH_MODULES_OUT}/pci-dma.wasm:${pci_booted_source}/pci-dma.manifest)

# initrd-blk.tar / esp-blk.img: init and modules/virtio-blk with --check (test boot.<arch>.virtio-blk).
azoth_booted_image(blk
    init=${AZOTH_MODULES_OUT}/init.wasm:${pci_booted_source}/init.manifest
    virtio-blk=${AZOTH_MODULES_OUT}/virtio-blk.wasm:${pci_booted_source}/virtio-blk.manifest)

azoth_booted_image(irq
    init=${AZOTH_MODULES_OUT}/init.wasm:${pci_booted_source}/init.manifest
    pci-irq=${AZOTH_MODULES_OUT}/pci-irq.wasm:${pci_booted_source}/pci-irq.manifest)

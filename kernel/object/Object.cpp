#include "Object.h"

namespace ath::object {

const char* object_type_name(ObjectType type)
{
    switch (type) {
    case ObjectType::Process: return "process";
    case ObjectType::Endpoint: return "endpoint";
    case ObjectType::Region: return "region";
    case ObjectType::Channel: return "channel";
    case ObjectType::Event: return "event";
    case ObjectType::Device: return "device";
    case ObjectType::Irq: return "irq";
    case ObjectType::Timer: return "timer";
    case ObjectType::PciDevice: return "pci-device";
    case ObjectType::DmaBuffer: return "dma-buffer";
    case ObjectType::Console: return "console";
    case ObjectType::Stream: return "stream";
    }
    return "unknown";
}

} // namespace ath::object

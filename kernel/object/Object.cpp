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
    }
    return "unknown";
}

} // namespace ath::object

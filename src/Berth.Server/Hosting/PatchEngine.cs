using System.Text.Json.Nodes;
using Berth.Api.Registry;
using Berth.Server.Http;
using Berth.Server.Patching;

namespace Berth.Server.Hosting;

/// <summary>Connects the patch library to the API: the kind's strategic-merge schema, and patch errors as API errors.</summary>
public static class PatchEngine
{
    public static JsonNode Apply(string contentType, JsonNode original, byte[] patch, ResourceType t)
    {
        try { return PatchApplier.Apply(contentType, original, patch, PatchSchema.ForKind(t.Group, t.Kind)); }
        catch (UnsupportedPatchTypeException) { throw ApiException.UnsupportedMediaType(contentType); }
        catch (PatchException e) { throw ApiException.Unprocessable(e.Message); }
        catch (System.Text.Json.JsonException e) { throw ApiException.BadRequest("error decoding patch: " + e.Message); }
    }
}

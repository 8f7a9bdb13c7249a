using System.Globalization;
using System.Text;
using Berth.Api.Meta;

namespace Berth.Api.Validation;

/// <summary>A bad value pre-formatted the way Go's field.Error prints it (%#v of slices, time.Time.String, ...).</summary>
public sealed class GoValue(string text)
{
    public string Text { get; } = text;
    public override string ToString() => Text;

    /// <summary>%#v of a []string: []string{"a", "b"}.</summary>
    public static GoValue StringSlice(IEnumerable<string>? values)
        => new("[]string{" + string.Join(", ", (values ?? []).Select(FieldError.Quote)) + "}");

    /// <summary>time.Time.String() of a UTC time: "2006-01-02 15:04:05 +0000 UTC" (fraction only when non-zero).</summary>
    public static GoValue Time(DateTimeOffset? t)
    {
        var u = (t ?? DateTimeOffset.MinValue).UtcDateTime;
        var s = u.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
        var ticks = u.Ticks % TimeSpan.TicksPerSecond;
        if (ticks != 0) s += "." + (ticks * 100).ToString("D9", CultureInfo.InvariantCulture).TrimEnd('0');
        return new(s + " +0000 UTC");
    }

    /// <summary>%#v of []metav1.OwnerReference (pointers print as Go would, with a placeholder address).</summary>
    public static GoValue OwnerReferences(IEnumerable<OwnerReference> refs)
    {
        static string Ptr(bool? b) => b is null ? "(*bool)(nil)" : "(*bool)(0xc000000000)";
        var sb = new StringBuilder("[]v1.OwnerReference{");
        bool first = true;
        foreach (var r in refs)
        {
            if (!first) sb.Append(", ");
            first = false;
            sb.Append("v1.OwnerReference{APIVersion:").Append(FieldError.Quote(r.ApiVersion))
              .Append(", Kind:").Append(FieldError.Quote(r.Kind))
              .Append(", Name:").Append(FieldError.Quote(r.Name))
              .Append(", UID:").Append(FieldError.Quote(r.Uid))
              .Append(", Controller:").Append(Ptr(r.Controller))
              .Append(", BlockOwnerDeletion:").Append(Ptr(r.BlockOwnerDeletion)).Append('}');
        }
        return new(sb.Append('}').ToString());
    }
}

/// <summary>
/// Object metadata validation as apimachinery/pkg/api/validation/objectmeta.go and
/// apimachinery/pkg/apis/meta/v1/validation do it, with the same paths and texts.
/// </summary>
public static class MetaValidation
{
    public const string FieldImmutableErrorMsg = "field is immutable";
    public const string IsNegativeErrorMsg = "must be greater than or equal to 0";
    public const int TotalAnnotationSizeLimitB = 256 * (1 << 10);
    public const int FieldManagerMaxLength = 128;
    public const int MaxSubresourceNameLength = 256;

    public const string FinalizerOrphanDependents = "orphan";
    public const string FinalizerDeleteDependents = "foregroundDeletion";
    /// <summary>core/v1 FinalizerKubernetes (the namespace finalizer).</summary>
    public const string FinalizerKubernetes = "kubernetes";

    /// <summary>
    /// ValidateObjectMetaAccessor. <paramref name="nameValidator"/> is the kind's name rule (e.g.
    /// <see cref="NameValidation.IsDns1123Subdomain"/>); for generateName it is applied to the prefix with a
    /// trailing '-' masked, as upstream's ValidateNameFunc(name, prefix: true) does.
    /// <paramref name="namespaced"/> = the kind requires a namespace (upstream's requiresNamespace).
    /// </summary>
    public static List<FieldError> ValidateObjectMeta(ObjectMeta meta, bool namespaced, Func<string, IReadOnlyList<string>> nameValidator, FieldPath path)
    {
        var errs = new List<FieldError>();
        var generateName = meta.GenerateName ?? "";
        if (generateName.Length != 0)
            foreach (var msg in nameValidator(NameValidation.MaskTrailingDash(generateName)))
                errs.Add(FieldError.Invalid(path.Child("generateName"), generateName, msg));

        var name = meta.Name ?? "";
        if (name.Length == 0)
            errs.Add(FieldError.Required(path.Child("name"), "name or generateName is required"));
        else
            foreach (var msg in nameValidator(name))
                errs.Add(FieldError.Invalid(path.Child("name"), name, msg));

        var ns = meta.Namespace ?? "";
        if (namespaced)
        {
            if (ns.Length == 0) errs.Add(FieldError.Required(path.Child("namespace")));
            else
                foreach (var msg in NameValidation.IsDns1123Label(ns))
                    errs.Add(FieldError.Invalid(path.Child("namespace"), ns, msg));
        }
        else if (ns.Length != 0)
        {
            errs.Add(FieldError.Forbidden(path.Child("namespace"), "not allowed on this type"));
        }

        errs.AddRange(ValidateNonnegativeField(meta.Generation ?? 0, path.Child("generation")));
        errs.AddRange(ValidateLabels(meta.Labels, path.Child("labels")));
        errs.AddRange(ValidateAnnotations(meta.Annotations, path.Child("annotations")));
        errs.AddRange(ValidateOwnerReferences(meta.OwnerReferences, path.Child("ownerReferences")));
        errs.AddRange(ValidateFinalizers(meta.Finalizers, path.Child("finalizers")));
        errs.AddRange(ValidateManagedFields(meta.ManagedFields, path.Child("managedFields")));
        return errs;
    }

    /// <summary>ValidateObjectMetaAccessorUpdate.</summary>
    public static List<FieldError> ValidateObjectMetaUpdate(ObjectMeta newMeta, ObjectMeta oldMeta, FieldPath path)
    {
        var errs = new List<FieldError>();
        if (oldMeta.DeletionTimestamp is not null)
            errs.AddRange(ValidateNoNewFinalizers(newMeta.Finalizers, oldMeta.Finalizers, path.Child("finalizers")));

        if (string.IsNullOrEmpty(newMeta.ResourceVersion))
            errs.Add(FieldError.Invalid(path.Child("resourceVersion"), newMeta.ResourceVersion ?? "", "must be specified for an update"));

        long newGen = newMeta.Generation ?? 0, oldGen = oldMeta.Generation ?? 0;
        if (newGen < oldGen)
            errs.Add(FieldError.Invalid(path.Child("generation"), newGen, "must not be decremented"));

        Immutable(errs, newMeta.Name ?? "", oldMeta.Name ?? "", path.Child("name"));
        Immutable(errs, newMeta.Namespace ?? "", oldMeta.Namespace ?? "", path.Child("namespace"));
        Immutable(errs, newMeta.Uid ?? "", oldMeta.Uid ?? "", path.Child("uid"));
        if (!SameTime(newMeta.CreationTimestamp, oldMeta.CreationTimestamp))
            errs.Add(FieldError.Invalid(path.Child("creationTimestamp"), GoValue.Time(newMeta.CreationTimestamp), FieldImmutableErrorMsg));
        if (!SameTime(newMeta.DeletionTimestamp, oldMeta.DeletionTimestamp))
            errs.Add(FieldError.Invalid(path.Child("deletionTimestamp"),
                newMeta.DeletionTimestamp is null ? "null" : GoValue.Time(newMeta.DeletionTimestamp), FieldImmutableErrorMsg));
        if (newMeta.DeletionGracePeriodSeconds != oldMeta.DeletionGracePeriodSeconds)
            errs.Add(FieldError.Invalid(path.Child("deletionGracePeriodSeconds"),
                newMeta.DeletionGracePeriodSeconds is { } g ? g : "null", FieldImmutableErrorMsg));

        errs.AddRange(ValidateLabels(newMeta.Labels, path.Child("labels")));
        errs.AddRange(ValidateAnnotations(newMeta.Annotations, path.Child("annotations")));
        errs.AddRange(ValidateOwnerReferences(newMeta.OwnerReferences, path.Child("ownerReferences")));
        errs.AddRange(ValidateManagedFields(newMeta.ManagedFields, path.Child("managedFields")));
        return errs;
    }

    private static bool SameTime(DateTimeOffset? a, DateTimeOffset? b)
        => a is null ? b is null : b is not null && a.Value.UtcTicks == b.Value.UtcTicks;

    private static void Immutable(List<FieldError> errs, string newVal, string oldVal, FieldPath path)
    {
        if (!string.Equals(newVal, oldVal, StringComparison.Ordinal))
            errs.Add(FieldError.Invalid(path, newVal, FieldImmutableErrorMsg));
    }

    /// <summary>ValidateImmutableField for strings: "Invalid value: \"b\": field is immutable".</summary>
    public static List<FieldError> ValidateImmutableField(string? newVal, string? oldVal, FieldPath path)
    {
        var errs = new List<FieldError>();
        Immutable(errs, newVal ?? "", oldVal ?? "", path);
        return errs;
    }

    public static List<FieldError> ValidateNonnegativeField(long value, FieldPath path)
        => value < 0 ? [FieldError.Invalid(path, value, IsNegativeErrorMsg)] : [];

    /// <summary>metav1validation.ValidateLabelName.</summary>
    public static List<FieldError> ValidateLabelName(string labelName, FieldPath path)
        => NameValidation.IsQualifiedName(labelName).Select(msg => FieldError.Invalid(path, labelName, msg)).ToList();

    /// <summary>metav1validation.ValidateLabels: keys are qualified names, values valid label values (errors on the map path).</summary>
    public static List<FieldError> ValidateLabels(IReadOnlyDictionary<string, string>? labels, FieldPath path)
    {
        var errs = new List<FieldError>();
        if (labels is null) return errs;
        foreach (var (k, v) in labels)
        {
            errs.AddRange(ValidateLabelName(k, path));
            foreach (var msg in NameValidation.IsValidLabelValue(v))
                errs.Add(FieldError.Invalid(path, v, msg));
        }
        return errs;
    }

    /// <summary>ValidateAnnotations: keys are qualified names (case-insensitively); total size at most 256 KiB.</summary>
    public static List<FieldError> ValidateAnnotations(IReadOnlyDictionary<string, string>? annotations, FieldPath path)
    {
        var errs = new List<FieldError>();
        if (annotations is null) return errs;
        foreach (var k in annotations.Keys)
            foreach (var msg in NameValidation.IsQualifiedName(k.ToLowerInvariant()))
                errs.Add(FieldError.Invalid(path, k, msg));
        if (AnnotationsSize(annotations) > TotalAnnotationSizeLimitB)
            errs.Add(FieldError.TooLong(path, "", TotalAnnotationSizeLimitB));
        return errs;
    }

    /// <summary>Total bytes of annotation keys and values (UTF-8, as Go's len).</summary>
    public static long AnnotationsSize(IReadOnlyDictionary<string, string> annotations)
    {
        long total = 0;
        foreach (var (k, v) in annotations) total += Encoding.UTF8.GetByteCount(k) + Encoding.UTF8.GetByteCount(v);
        return total;
    }

    /// <summary>ValidateOwnerReferences: apiVersion (with a version), kind, name and uid required; at most one controller; no Event owners.</summary>
    public static List<FieldError> ValidateOwnerReferences(IReadOnlyList<OwnerReference>? refs, FieldPath path)
    {
        var errs = new List<FieldError>();
        if (refs is null) return errs;
        string firstController = "";
        foreach (var r in refs)
        {
            errs.AddRange(ValidateOwnerReference(r, path));
            if (r.Controller == true)
            {
                var cur = r.Kind + "/" + r.Name;
                if (firstController.Length != 0)
                    errs.Add(FieldError.Invalid(path, GoValue.OwnerReferences(refs),
                        $"Only one reference can have Controller set to true. Found \"true\" in references for {firstController} and {cur}"));
                else
                    firstController = cur;
            }
        }
        return errs;
    }

    private static List<FieldError> ValidateOwnerReference(OwnerReference r, FieldPath path)
    {
        var errs = new List<FieldError>();
        // schema.FromAPIVersionAndKind: "group/version" or "version"; a string with more than one '/' gives an empty group and version.
        var apiVersion = r.ApiVersion ?? "";
        string group = "", version;
        var parts = apiVersion.Split('/');
        if (parts.Length == 1) version = apiVersion;
        else if (parts.Length == 2) { group = parts[0]; version = parts[1]; }
        else version = "";
        if (version.Length == 0) errs.Add(FieldError.Invalid(path.Child("apiVersion"), apiVersion, "version must not be empty"));
        if (string.IsNullOrEmpty(r.Kind)) errs.Add(FieldError.Invalid(path.Child("kind"), r.Kind ?? "", "kind must not be empty"));
        if (string.IsNullOrEmpty(r.Name)) errs.Add(FieldError.Invalid(path.Child("name"), r.Name ?? "", "name must not be empty"));
        if (string.IsNullOrEmpty(r.Uid)) errs.Add(FieldError.Invalid(path.Child("uid"), r.Uid ?? "", "uid must not be empty"));
        if (group.Length == 0 && version == "v1" && r.Kind == "Event")
            errs.Add(FieldError.Invalid(path, new GoValue(GoValue.OwnerReferences([r]).Text["[]v1.OwnerReference{".Length..^1]),
                "/v1, Kind=Event is disallowed from being an owner"));
        return errs;
    }

    /// <summary>ValidateFinalizerName (apimachinery): a qualified name.</summary>
    public static List<FieldError> ValidateFinalizerName(string finalizer, FieldPath path)
        => NameValidation.IsQualifiedName(finalizer).Select(msg => FieldError.Invalid(path, finalizer, msg)).ToList();

    /// <summary>The core API's stricter rule (used for Namespace spec.finalizers): a name without '/' must be a
    /// standard finalizer ("kubernetes", "orphan", "foregroundDeletion").</summary>
    public static List<FieldError> ValidateKubeFinalizerName(string finalizer, FieldPath path)
    {
        var errs = ValidateFinalizerName(finalizer, path);
        if (!finalizer.Contains('/') && !IsStandardFinalizerName(finalizer))
            errs.Add(FieldError.Invalid(path, finalizer, "name is neither a standard finalizer name nor is it fully qualified"));
        return errs;
    }

    public static bool IsStandardFinalizerName(string s)
        => s is FinalizerKubernetes or FinalizerOrphanDependents or FinalizerDeleteDependents;

    /// <summary>ValidateFinalizers: each a qualified name, and not both "orphan" and "foregroundDeletion".</summary>
    public static List<FieldError> ValidateFinalizers(IReadOnlyList<string>? finalizers, FieldPath path)
    {
        var errs = new List<FieldError>();
        if (finalizers is null) return errs;
        bool orphan = false, foreground = false;
        foreach (var f in finalizers)
        {
            errs.AddRange(ValidateFinalizerName(f, path));
            if (f == FinalizerOrphanDependents) orphan = true;
            if (f == FinalizerDeleteDependents) foreground = true;
        }
        if (orphan && foreground)
            errs.Add(FieldError.Invalid(path, GoValue.StringSlice(finalizers),
                $"finalizer {FinalizerOrphanDependents} and {FinalizerDeleteDependents} cannot be both set"));
        return errs;
    }

    /// <summary>ValidateNoNewFinalizers: "no new finalizers can be added if the object is being deleted, found new finalizers []string{"x"}".</summary>
    public static List<FieldError> ValidateNoNewFinalizers(IReadOnlyList<string>? newFinalizers, IReadOnlyList<string>? oldFinalizers, FieldPath path)
    {
        var old = new HashSet<string>(oldFinalizers ?? [], StringComparer.Ordinal);
        var extra = (newFinalizers ?? []).Where(f => !old.Contains(f)).Distinct().OrderBy(f => f, StringComparer.Ordinal).ToList();
        if (extra.Count == 0) return [];
        return [FieldError.Forbidden(path, "no new finalizers can be added if the object is being deleted, found new finalizers " + GoValue.StringSlice(extra))];
    }

    /// <summary>metav1validation.ValidateManagedFields.</summary>
    public static List<FieldError> ValidateManagedFields(IReadOnlyList<ManagedFieldsEntry>? entries, FieldPath path)
    {
        var errs = new List<FieldError>();
        if (entries is null) return errs;
        for (int i = 0; i < entries.Count; i++)
        {
            var e = entries[i];
            var p = path.Index(i);
            if (e.Operation is not ("Apply" or "Update"))
                errs.Add(FieldError.Invalid(p.Child("operation"), e.Operation ?? "", "must be `Apply` or `Update`"));
            if (!string.IsNullOrEmpty(e.FieldsType) && e.FieldsType != "FieldsV1")
                errs.Add(FieldError.Invalid(p.Child("fieldsType"), e.FieldsType, "must be `FieldsV1`"));
            errs.AddRange(ValidateFieldManager(e.Manager ?? "", p.Child("manager")));
            if (Encoding.UTF8.GetByteCount(e.Subresource ?? "") > MaxSubresourceNameLength)
                errs.Add(FieldError.TooLong(p.Child("subresource"), "", MaxSubresourceNameLength));
        }
        return errs;
    }

    /// <summary>metav1validation.ValidateFieldManager: at most 128 bytes, printable characters only.</summary>
    public static List<FieldError> ValidateFieldManager(string fieldManager, FieldPath path)
    {
        var errs = new List<FieldError>();
        if (Encoding.UTF8.GetByteCount(fieldManager) > FieldManagerMaxLength)
            errs.Add(FieldError.TooLong(path, "", FieldManagerMaxLength));
        int byteIndex = 0;
        foreach (var r in fieldManager.EnumerateRunes())
        {
            if (!IsGoPrint(r))
                errs.Add(FieldError.Invalid(path, fieldManager, $"invalid character U+{r.Value:X4} (at position {byteIndex})"));
            byteIndex += r.Utf8SequenceLength;
        }
        return errs;
    }

    // unicode.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space.
    private static bool IsGoPrint(Rune r)
    {
        if (r.Value == ' ') return true;
        var cat = Rune.GetUnicodeCategory(r);
        return cat switch
        {
            UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.Surrogate or UnicodeCategory.PrivateUse
                or UnicodeCategory.OtherNotAssigned or UnicodeCategory.SpaceSeparator or UnicodeCategory.LineSeparator
                or UnicodeCategory.ParagraphSeparator => false,
            _ => true,
        };
    }
}

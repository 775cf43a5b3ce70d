//! `model = { uri = … }`: where a workload's model files come from, and where they are kept.

use schemars::JsonSchema;

use super::read::{Fields, Sp};
use crate::diagnostics::Diagnostics;
use crate::source::Span;

/// The model's files: downloaded before the workload starts (an init container) into a volume
/// the container mounts read-only, or mounted from an existing claim (`pvc://`).
#[derive(Debug, Clone, PartialEq, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Model {
    /// `gs://BUCKET/PATH`, `s3://BUCKET/PATH`, `hf://ORG/NAME@REVISION` (a source of the
    /// catalog, stdlib/sources.toml), or `pvc://CLAIM/PATH` for files already on a claim.
    #[schemars(required, extend("x-catalog" = "sources", "examples" = ["hf://meta-llama/Llama-3.1-8B-Instruct@0e9e39f249a16976918f6564b8830bc894c89659", "gs://models-prod/sentiment/v7", "pvc://model-store/llama-3.1-8b"]))]
    pub uri: Option<Sp<String>>,
    /// The Secret holding the source's credentials (`NAME`, or `NAME/KEY` when its key is not
    /// the one the source reads), mounted into the downloader as a file
    /// (the key each source reads is in stdlib/sources.toml: `token` for hf, `credentials` (an
    /// AWS shared credentials file) for s3, `gcloud-application-credentials.json` for gs).
    /// Without it the downloader uses the pod's identity (Workload Identity, IRSA) or none.
    #[schemars(extend("examples" = ["hf-token"]))]
    pub secret: Option<Sp<String>>,
    /// Where the container sees the files (default: the runtime's model directory, else
    /// `/models`).
    #[schemars(extend("examples" = ["/models"]))]
    pub path: Option<Sp<String>>,
    /// The download volume's size (an emptyDir, default 20Gi); with `cache`, give `cache.size`.
    #[schemars(extend("examples" = ["20Gi"]))]
    pub size: Option<Sp<String>>,
    /// The downloader's image, to pin it by digest or use a mirror (default: the source's).
    pub image: Option<Sp<String>>,
    /// Keep the files on a PersistentVolumeClaim, downloaded once and reused by every start:
    /// a new claim (`size`, `storage_class`, `access`) or an existing one (`claim`).
    pub cache: Option<Cache>,
    /// The downloader's resources (default: stdlib defaults `[model]`, more for larger models).
    pub resources: Option<super::pod::ContainerResources>,
    #[schemars(skip)]
    pub span: Span,
}

impl Model {
    pub fn read(f: &mut Fields, d: &mut Diagnostics) -> Model {
        Model {
            uri: f.required(
                d,
                "uri",
                |f, d, k| f.string(d, k),
                "\"hf://org/name@revision\"",
            ),
            secret: f.string(d, "secret"),
            path: f.string(d, "path"),
            size: f.string(d, "size"),
            image: f.string(d, "image"),
            cache: f.table(d, "cache", Cache::read),
            resources: f.table(d, "resources", super::pod::ContainerResources::read),
            span: f.span(),
        }
    }
}

/// `model.cache`: a PersistentVolumeClaim the model is downloaded into once.
#[derive(Debug, Clone, PartialEq, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Cache {
    /// The new claim's size.
    #[schemars(extend("examples" = ["40Gi"]))]
    pub size: Option<Sp<String>>,
    /// The new claim's StorageClass (default: the cluster's default class).
    #[schemars(extend("examples" = ["standard-rwx", "premium-rwo"]))]
    pub storage_class: Option<Sp<String>>,
    /// `read-write-once` (default: every class offers it, one node mounts it),
    /// `read-write-many` (needed when more than one pod shares the cache) or
    /// `read-write-once-pod`.
    #[schemars(extend("enum" = crate::resolve::check::ACCESS_MODES))]
    pub access: Option<Sp<String>>,
    /// An existing claim to download into, instead of a new one (then no `size`,
    /// `storage_class` or `access`).
    #[schemars(extend("examples" = ["llama-weights"]))]
    pub claim: Option<Sp<String>>,
    #[schemars(skip)]
    pub span: Span,
}

impl Cache {
    fn read(f: &mut Fields, d: &mut Diagnostics) -> Cache {
        Cache {
            size: f.string(d, "size"),
            storage_class: f.string(d, "storage_class"),
            access: f.string(d, "access"),
            claim: f.string(d, "claim"),
            span: f.span(),
        }
    }
}

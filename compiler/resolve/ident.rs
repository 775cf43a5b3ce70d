//! Who a workload is: its object name, its component label, its main container's name and the
//! spec path its messages name. Every resolver of a pod or a container takes one.

/// Who a workload is, for naming and for the paths in messages.
pub struct Ident<'a> {
    pub app: &'a str,
    pub name: String,
    pub component: String,
    pub container: String,
    /// `serve`, `jobs.backfill`, …: the spec path of this workload's table.
    pub path: String,
}

impl Ident<'_> {
    /// The spec path of one of the workload's keys: `serve.resources`.
    pub fn key(&self, key: &str) -> String {
        format!("{}.{key}", self.path)
    }
}

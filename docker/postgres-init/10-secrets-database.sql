-- The dossier secrets' own database (DOSSIER_SECRETS_URL), beside the main one on the same
-- server but backed up apart, with a short retention. `dossier prepare` makes its table.
CREATE DATABASE dossier_secrets;

"""Where the contract files live, so every server serves the very files the gateway reads."""

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
WSDL_DIR = REPO_ROOT / "wsdl"
XSD_DIR = REPO_ROOT / "xsd"

CIVIL_WSDL = WSDL_DIR / "civil-registry.wsdl"
CIVIL_XSD = XSD_DIR / "civil-registry.xsd"
BUSINESS_WSDL = WSDL_DIR / "business-registry.wsdl"
BUSINESS_XSD = XSD_DIR / "business-registry.xsd"
CADASTRE_OPENAPI = WSDL_DIR / "cadastre.openapi.yaml"

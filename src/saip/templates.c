/*
 * SAIP file-structure templates, transcribed from the TCA "eUICC Profile Package:
 * Interoperable Format Technical Specification" Annex A tables as osmocom pySim lists them
 * (pySim/esim/saip/templates.py and oid.py), with the FIDs pySim gets wrong corrected from
 * 3GPP TS 31.102 and the TS.48 packages; CSIM FIDs from 3GPP2 C.S0065. docs/saip-fs.md has
 * the sources and the choices.
 */
#include "saip/templates.h"

#include <string.h>
#include <strings.h>

#define TPL_OID(x) "2.23.143.1." x

/* pe_name, name, fid, type, sfi, arr, nb_rec, size, default */
#define MF_(pe, nm, fid, arr) {pe, nm, fid, 0, M2M_SAIP_TPL_MF, 0, arr, 0, 0, NULL}
#define DF_(pe, nm, fid, arr) {pe, nm, fid, 0, M2M_SAIP_TPL_DF, 0, arr, 0, 0, NULL}
#define ADF(pe, nm, arr) {pe, nm, 0, 0, M2M_SAIP_TPL_ADF, 0, arr, 0, 0, NULL}
#define TR(pe, nm, fid, size, arr, sfi, d) {pe, nm, fid, 0, M2M_SAIP_TPL_TR, sfi, arr, 0, size, d}
#define BT(pe, nm, fid, arr, sfi) {pe, nm, fid, 0, M2M_SAIP_TPL_BT, sfi, arr, 0, 0, NULL}
#define LF(pe, nm, fid, nrec, rlen, arr, sfi, d) \
	{pe, nm, fid, 0, M2M_SAIP_TPL_LF, sfi, arr, nrec, rlen, d}
#define CY(pe, nm, fid, nrec, rlen, arr, sfi, d) \
	{pe, nm, fid, 0, M2M_SAIP_TPL_CY, sfi, arr, nrec, rlen, d}
/* A range of instances: the package picks the FID */
#define RTR(pe, nm, fid, last, size, arr, d) {pe, nm, fid, last, M2M_SAIP_TPL_TR, 0, arr, 0, size, d}
#define RLF(pe, nm, fid, last, rlen, arr, d) {pe, nm, fid, last, M2M_SAIP_TPL_LF, 0, arr, 0, rlen, d}

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* 9.2 */
#define MF_FILES \
	MF_("mf", "MF", 0x3f00, 14), \
	TR("ef-pl", "EF.PL", 0x2f05, 2, 1, 0x05, "FF...FF"), \
	TR("ef-iccid", "EF.ICCID", 0x2fe2, 10, 11, 0, NULL), \
	LF("ef-dir", "EF.DIR", 0x2f00, 0, 0, 10, 0x1e, NULL), \
	LF("ef-arr", "EF.ARR", 0x2f06, 0, 0, 10, 0, NULL), \
	TR("ef-umpc", "EF.UMPC", 0x2f08, 5, 10, 0x08, NULL)

static const m2m_saip_tpl_file mf_files[] = {MF_FILES};

/* 9.3 */
static const m2m_saip_tpl_file cd_files[] = {
	DF_("df-cd", "DF.CD", 0x7f11, 14),
	TR("ef-launchpad", "EF.LAUNCHPAD", 0x6f01, 0, 2, 0, NULL),
	RTR("ef-icon", "EF.ICON", 0x6f40, 0x6f7e, 0, 2, NULL),
};

/* 9.4 and 9.5.3: DF.PHONEBOOK, under DF.TELECOM and under ADF.USIM */
#define PHONEBOOK_FILES \
	DF_("df-phonebook", "DF.PHONEBOOK", 0x5f3a, 14), \
	LF("ef-pbr", "EF.PBR", 0x4f30, 0, 0, 2, 0, NULL), \
	RLF("ef-ext1", "EF.EXT1", 0x4f38, 0x4f3f, 13, 5, "00FF...FF"), \
	RLF("ef-aas", "EF.AAS", 0x4f40, 0x4f47, 0, 5, "FF...FF"), \
	RLF("ef-gas", "EF.GAS", 0x4f48, 0x4f4f, 0, 5, "FF...FF"), \
	TR("ef-psc", "EF.PSC", 0x4f22, 4, 5, 0, "00000000"), \
	TR("ef-cc", "EF.CC", 0x4f23, 2, 5, 0, "0000"), \
	TR("ef-puid", "EF.PUID", 0x4f24, 2, 5, 0, "0000"), \
	RLF("ef-iap", "EF.IAP", 0x4f50, 0x4f57, 0, 5, "FF...FF"), \
	RLF("ef-adn", "EF.ADN", 0x4f58, 0x4f5f, 0, 5, "FF...FF"), \
	RLF("ef-pbc", "EF.PBC", 0x4f60, 0x4f67, 2, 5, "00...00"), \
	RLF("ef-anr", "EF.ANR", 0x4f68, 0x4f6f, 0, 5, "FF...FF"), \
	RLF("ef-puri", "EF.PURI", 0x4f70, 0x4f77, 0, 5, NULL), \
	RLF("ef-email", "EF.EMAIL", 0x4f78, 0x4f7f, 0, 5, "FF...FF"), \
	RLF("ef-sne", "EF.SNE", 0x4f80, 0x4f87, 0, 5, "FF...FF"), \
	RLF("ef-uid", "EF.UID", 0x4f88, 0x4f8f, 2, 5, "0000"), \
	RLF("ef-grp", "EF.GRP", 0x4f90, 0x4f97, 0, 5, "00...00"), \
	RLF("ef-ccp1", "EF.CCP1", 0x4f98, 0x4f9f, 0, 5, "FF...FF")

/* 9.4, v1 (2.3.1) */
#define TELECOM_FILES \
	DF_("df-telecom", "DF.TELECOM", 0x7f10, 14), \
	LF("ef-arr", "EF.ARR", 0x6f06, 0, 0, 10, 0, NULL), \
	LF("ef-rma", "EF.RMA", 0x6f53, 0, 0, 3, 0, NULL), \
	TR("ef-sume", "EF.SUME", 0x6f54, 22, 3, 0, NULL), \
	LF("ef-ice-dn", "EF.ICE_DN", 0x6fe0, 50, 24, 9, 0, "FF...FF"), \
	LF("ef-ice-ff", "EF.ICE_FF", 0x6fe1, 0, 0, 9, 0, "FF...FF"), \
	LF("ef-psismsc", "EF.PSISMSC", 0x6fe5, 0, 0, 5, 0, NULL), \
	DF_("df-graphics", "DF.GRAPHICS", 0x5f50, 14), \
	LF("ef-img", "EF.IMG", 0x4f20, 0, 0, 2, 0, "00FF...FF"), \
	RTR("ef-iidf", "EF.IIDF", 0x4f40, 0x4f7f, 0, 2, "FF...FF"), \
	BT("ef-ice-graphics", "EF.ICE_GRAPHICS", 0x4f21, 9, 0), \
	TR("ef-launch-scws", "EF.LAUNCH_SCWS", 0x4f01, 0, 10, 0, NULL), \
	RTR("ef-icon", "EF.ICON", 0x4f80, 0x4fbf, 0, 10, NULL), \
	PHONEBOOK_FILES, \
	DF_("df-multimedia", "DF.MULTIMEDIA", 0x5f3b, 14), \
	BT("ef-mml", "EF.MML", 0x4f47, 5, 0), \
	BT("ef-mmdf", "EF.MMDF", 0x4f48, 5, 0), \
	DF_("df-mmss", "DF.MMSS", 0x5f3c, 14), \
	TR("ef-mlpl", "EF.MLPL", 0x4f20, 0, 2, 0x01, NULL), \
	TR("ef-mspl", "EF.MSPL", 0x4f21, 0, 2, 0x02, NULL), \
	TR("ef-mmssmode", "EF.MMSSMODE", 0x4f22, 1, 2, 0x03, NULL)

static const m2m_saip_tpl_file telecom_files[] = {TELECOM_FILES};

/* 9.4 (v2, 3.1 on): adds DF.MCS and DF.V2X */
static const m2m_saip_tpl_file telecom_v2_files[] = {
	TELECOM_FILES,
	DF_("df-mcs", "DF.MCS", 0x5f3d, 14),
	TR("ef-mst", "EF.MST", 0x4f01, 0, 2, 0x01, NULL),
	BT("ef-mcs-config", "EF.MCS_CONFIG", 0x4f02, 2, 0x02),
	DF_("df-v2x", "DF.V2X", 0x5f3e, 14),
	TR("ef-vst", "EF.VST", 0x4f01, 0, 2, 0x01, NULL),
	BT("ef-v2x-config", "EF.V2X_CONFIG", 0x4f02, 2, 0x02),
	TR("ef-v2xp-pc5", "EF.V2XP_PC5", 0x4f03, 0, 2, 0, NULL),
	TR("ef-v2xp-Uu", "EF.V2XP_Uu", 0x4f04, 0, 2, 0, NULL),
};

/* 9.5.1; v1 (2.3.1) has a 14-byte EF.UST, v2 (3.1 on) a 17-byte one */
#define USIM_FILES(ust) \
	ADF("adf-usim", "ADF.USIM", 14), \
	TR("ef-imsi", "EF.IMSI", 0x6f07, 9, 2, 0x07, NULL), \
	LF("ef-arr", "EF.ARR", 0x6f06, 0, 0, 10, 0x17, NULL), \
	TR("ef-keys", "EF.Keys", 0x6f08, 33, 5, 0x08, "07FF...FF"), \
	TR("ef-keysPS", "EF.KeysPS", 0x6f09, 33, 5, 0x09, "07FF...FF"), \
	TR("ef-hpplmn", "EF.HPPLMN", 0x6f31, 1, 2, 0x12, "0A"), \
	TR("ef-ust", "EF.UST", 0x6f38, ust, 2, 0x04, NULL), \
	LF("ef-fdn", "EF.FDN", 0x6f3b, 20, 26, 8, 0, "FF...FF"), \
	LF("ef-sms", "EF.SMS", 0x6f3c, 10, 176, 5, 0, "00FF...FF"), \
	LF("ef-smsp", "EF.SMSP", 0x6f42, 1, 38, 5, 0, "FF...FF"), \
	TR("ef-smss", "EF.SMSS", 0x6f43, 2, 5, 0, "FFFF"), \
	TR("ef-spn", "EF.SPN", 0x6f46, 17, 10, 0, NULL), \
	TR("ef-est", "EF.EST", 0x6f56, 1, 8, 0x05, NULL), \
	TR("ef-start-hfn", "EF.START-HFN", 0x6f5b, 6, 5, 0x0f, "F00000F00000"), \
	TR("ef-threshold", "EF.THRESHOLD", 0x6f5c, 3, 2, 0x10, "FFFFFF"), \
	TR("ef-psloci", "EF.PSLOCI", 0x6f73, 14, 5, 0x0c, "FFFFFFFFFFFFFFFFFFFF0000FF01"), \
	TR("ef-acc", "EF.ACC", 0x6f78, 2, 2, 0x06, NULL), \
	TR("ef-fplmn", "EF.FPLMN", 0x6f7b, 12, 5, 0x0d, "FF...FF"), \
	TR("ef-loci", "EF.LOCI", 0x6f7e, 11, 5, 0x0b, "FFFFFFFFFFFFFF0000FF01"), \
	TR("ef-ad", "EF.AD", 0x6fad, 4, 10, 0x03, "00000002"), \
	LF("ef-ecc", "EF.ECC", 0x6fb7, 1, 4, 10, 0x01, NULL), \
	TR("ef-netpar", "EF.NETPAR", 0x6fc4, 128, 5, 0, "FF...FF"), \
	TR("ef-epsloci", "EF.EPSLOCI", 0x6fe3, 18, 5, 0x1e, \
	   "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFF000001"), \
	LF("ef-epsnsc", "EF.EPSNSC", 0x6fe4, 1, 80, 5, 0x18, "FF...FF")

static const m2m_saip_tpl_file usim_files[] = {USIM_FILES(14)};
static const m2m_saip_tpl_file usim_v2_files[] = {USIM_FILES(17)};

/* 9.5.2, v1 (2.3.1). Names are the 3.3.1 PE member names (ef-ial was ef-iwl before 3.3). */
#define OPT_USIM_FILES \
	TR("ef-li", "EF.LI", 0x6f05, 6, 1, 0x02, "FF...FF"), \
	TR("ef-acmax", "EF.ACMmax", 0x6f37, 3, 5, 0, "000000"), \
	CY("ef-acm", "EF.ACM", 0x6f39, 1, 3, 7, 0, "000000"), \
	TR("ef-gid1", "EF.GID1", 0x6f3e, 8, 2, 0, NULL), \
	TR("ef-gid2", "EF.GID2", 0x6f3f, 8, 2, 0, NULL), \
	LF("ef-msisdn", "EF.MSISDN", 0x6f40, 1, 24, 2, 0, "FF...FF"), \
	TR("ef-puct", "EF.PUCT", 0x6f41, 5, 5, 0, "FFFFFF0000"), \
	TR("ef-cbmi", "EF.CBMI", 0x6f45, 10, 5, 0, "FF...FF"), \
	TR("ef-cbmid", "EF.CBMID", 0x6f48, 10, 2, 0x0e, "FF...FF"), \
	LF("ef-sdn", "EF.SDN", 0x6f49, 10, 24, 2, 0, "FF...FF"), \
	LF("ef-ext2", "EF.EXT2", 0x6f4b, 10, 13, 8, 0, "00FF...FF"), \
	LF("ef-ext3", "EF.EXT3", 0x6f4c, 10, 13, 2, 0, "00FF...FF"), \
	TR("ef-cbmir", "EF.CBMIR", 0x6f50, 20, 5, 0, "FF...FF"), \
	TR("ef-plmnwact", "EF.PLMNwAcT", 0x6f60, 40, 5, 0x0a, "*FFFFFF0000"), \
	TR("ef-oplmnwact", "EF.OPLMNwAcT", 0x6f61, 40, 2, 0x11, "*FFFFFF0000"), \
	TR("ef-hplmnwact", "EF.HPLMNwAcT", 0x6f62, 5, 2, 0x13, "*FFFFFF0000"), \
	TR("ef-dck", "EF.DCK", 0x6f2c, 16, 5, 0, "FF...FF"), \
	TR("ef-cnl", "EF.CNL", 0x6f32, 30, 2, 0, "FF...FF"), \
	LF("ef-smsr", "EF.SMSR", 0x6f47, 10, 30, 5, 0, "00FF...FF"), \
	LF("ef-bdn", "EF.BDN", 0x6f4d, 10, 25, 8, 0, "FF...FF"), \
	LF("ef-ext5", "EF.EXT5", 0x6f4e, 10, 13, 5, 0, "00FF...FF"), \
	LF("ef-ccp2", "EF.CCP2", 0x6f4f, 5, 15, 5, 0x16, "FF...FF"), \
	LF("ef-ext4", "EF.EXT4", 0x6f55, 10, 13, 8, 0, "00FF...FF"), \
	TR("ef-acl", "EF.ACL", 0x6f57, 101, 8, 0, "00FF...FF"), \
	LF("ef-cmi", "EF.CMI", 0x6f58, 10, 11, 2, 0, "FF...FF"), \
	CY("ef-ici", "EF.ICI", 0x6f80, 20, 38, 5, 0x14, "FF...FF0000000001FFFF"), \
	CY("ef-oci", "EF.OCI", 0x6f81, 20, 37, 5, 0x15, "FF...FF00000001FFFF"), \
	CY("ef-ict", "EF.ICT", 0x6f82, 1, 3, 7, 0, "000000"), \
	CY("ef-oct", "EF.OCT", 0x6f83, 1, 3, 7, 0, "000000"), \
	TR("ef-vgcs", "EF.VGCS", 0x6fb1, 20, 2, 0, NULL), \
	TR("ef-vgcss", "EF.VGCSS", 0x6fb2, 7, 5, 0, NULL), \
	TR("ef-vbs", "EF.VBS", 0x6fb3, 20, 2, 0, NULL), \
	TR("ef-vbss", "EF.VBSS", 0x6fb4, 7, 5, 0, NULL), \
	TR("ef-emlpp", "EF.eMLPP", 0x6fb5, 2, 2, 0, NULL), \
	TR("ef-aaem", "EF.AaeM", 0x6fb6, 1, 5, 0, "00"), \
	TR("ef-hiddenkey", "EF.HiddenKey", 0x6fc3, 4, 5, 0, "FF...FF"), \
	LF("ef-pnn", "EF.PNN", 0x6fc5, 10, 16, 10, 0x19, NULL), \
	LF("ef-opl", "EF.OPL", 0x6fc6, 5, 8, 10, 0x1a, NULL), \
	LF("ef-mbdn", "EF.MBDN", 0x6fc7, 3, 24, 5, 0, NULL), \
	LF("ef-ext6", "EF.EXT6", 0x6fc8, 10, 13, 5, 0, "00FF...FF"), \
	LF("ef-mbi", "EF.MBI", 0x6fc9, 10, 5, 5, 0, NULL), \
	LF("ef-mwis", "EF.MWIS", 0x6fca, 10, 6, 5, 0, "00...00"), \
	LF("ef-cfis", "EF.CFIS", 0x6fcb, 10, 16, 5, 0, "0100FF...FF"), \
	LF("ef-ext7", "EF.EXT7", 0x6fcc, 10, 13, 5, 0, "00FF...FF"), \
	TR("ef-spdi", "EF.SPDI", 0x6fcd, 17, 2, 0x1b, NULL), \
	LF("ef-mmsn", "EF.MMSN", 0x6fce, 10, 6, 5, 0, "000000FF...FF"), \
	LF("ef-ext8", "EF.EXT8", 0x6fcf, 10, 13, 5, 0, "00FF...FF"), \
	TR("ef-mmsicp", "EF.MMSICP", 0x6fd0, 100, 2, 0, "FF...FF"), \
	LF("ef-mmsup", "EF.MMSUP", 0x6fd1, 0, 0, 5, 0, "FF...FF"), \
	TR("ef-mmsucp", "EF.MMSUCP", 0x6fd2, 100, 5, 0, "FF...FF"), \
	LF("ef-nia", "EF.NIA", 0x6fd3, 5, 11, 2, 0, "FF...FF"), \
	TR("ef-vgcsca", "EF.VGCSCA", 0x6fd4, 0, 2, 0, "00...00"), \
	TR("ef-vbsca", "EF.VBSCA", 0x6fd5, 0, 2, 0, "00...00"), \
	TR("ef-gbabp", "EF.GBABP", 0x6fd6, 0, 5, 0, "FF...FF"), \
	LF("ef-msk", "EF.MSK", 0x6fd7, 0, 0, 2, 0, "FF...FF"), \
	LF("ef-muk", "EF.MUK", 0x6fd8, 0, 0, 2, 0, "FF...FF"), \
	TR("ef-ehplmn", "EF.EHPLMN", 0x6fd9, 15, 2, 0x1d, "FF...FF"), \
	LF("ef-gbanl", "EF.GBANL", 0x6fda, 0, 0, 2, 0, "FF...FF"), \
	TR("ef-ehplmnpi", "EF.EHPLMNPI", 0x6fdb, 1, 2, 0, "00"), \
	TR("ef-lrplmnsi", "EF.LRPLMNSI", 0x6fdc, 1, 2, 0, "00"), \
	LF("ef-nafkca", "EF.NAFKCA", 0x6fdd, 0, 0, 2, 0, "FF...FF"), \
	TR("ef-spni", "EF.SPNI", 0x6fde, 0, 10, 0, "00FF...FF"), \
	LF("ef-pnni", "EF.PNNI", 0x6fdf, 0, 0, 10, 0, "00FF...FF"), \
	LF("ef-ncp-ip", "EF.NCP-IP", 0x6fe2, 0, 0, 2, 0, NULL), \
	TR("ef-ufc", "EF.UFC", 0x6fe6, 30, 10, 0, \
	   "801E60C01E900080040000000000000000F0000000004000000000000080"), \
	TR("ef-nasconfig", "EF.NASCONFIG", 0x6fe8, 18, 2, 0, NULL), \
	LF("ef-uicciari", "EF.UICCIARI", 0x6fe7, 0, 0, 2, 0, NULL), \
	TR("ef-pws", "EF.PWS", 0x6fec, 0, 10, 0, NULL), \
	LF("ef-fdnuri", "EF.FDNURI", 0x6fed, 0, 0, 8, 0, "FF...FF"), \
	LF("ef-bdnuri", "EF.BDNURI", 0x6fee, 0, 0, 8, 0, "FF...FF"), \
	LF("ef-sdnuri", "EF.SDNURI", 0x6fef, 0, 0, 2, 0, "FF...FF"), \
	LF("ef-ial", "EF.IAL", 0x6ff0, 0, 0, 3, 0, "FF...FF"), \
	CY("ef-ips", "EF.IPS", 0x6ff1, 0, 4, 10, 0, "FF...FF"), \
	LF("ef-ipd", "EF.IPD", 0x6ff2, 0, 0, 3, 0, "FF...FF")

static const m2m_saip_tpl_file opt_usim_files[] = {OPT_USIM_FILES};

/* 9.5.2 (v2, 3.1 on; v3 of 3.3.1 adds ef-eaka, whose FCP the package must give) */
static const m2m_saip_tpl_file opt_usim_v2_files[] = {
	OPT_USIM_FILES,
	TR("ef-epdgid", "EF.ePDGId", 0x6ff3, 0, 2, 0, NULL),
	TR("ef-epdgselection", "EF.ePDGSelection", 0x6ff4, 0, 2, 0, NULL),
	TR("ef-epdgidem", "EF.ePDGIdEm", 0x6ff5, 0, 2, 0, NULL),
	TR("ef-epdgselectionem", "EF.ePDGSelectionEm", 0x6ff6, 0, 2, 0, NULL),
	TR("ef-frompreferred", "EF.FromPreferred", 0x6ff7, 1, 2, 0, "00"),
	BT("ef-imsconfigdata", "EF.IMSConfigData", 0x6ff8, 2, 0),
	TR("ef-3gpppsdataoff", "EF.3GPPPSDATAOFF", 0x6ff9, 4, 2, 0, NULL),
	LF("ef-3gpppsdataoffservicelist", "EF.3GPPPSDATAOFFservicelist", 0x6ffa, 0, 0, 2, 0, NULL),
	BT("ef-xcapconfigdata", "EF.XCAPConfigData", 0x6ffc, 2, 0),
	TR("ef-earfcnlist", "EF.EARFCNList", 0x6ffd, 0, 10, 0, NULL),
	BT("ef-mudmidconfigdata", "EF.MudMidCfgData", 0x6ffe, 2, 0),
};

static const m2m_saip_tpl_file phonebook_files[] = {PHONEBOOK_FILES};

/* 9.5.4 */
static const m2m_saip_tpl_file gsm_access_files[] = {
	DF_("df-gsm-access", "DF.GSM-ACCESS", 0x5f3b, 14),
	TR("ef-kc", "EF.Kc", 0x4f20, 9, 5, 0x01, "FF...FF07"),
	TR("ef-kcgprs", "EF.KcGPRS", 0x4f52, 9, 5, 0x02, "FF...FF07"),
	TR("ef-cpbcch", "EF.CPBCCH", 0x4f63, 10, 5, 0, "FF...FF"),
	TR("ef-invscan", "EF.InvScan", 0x4f64, 1, 2, 0, "00"),
};

/* 9.5.11: DF.5GS v1 (2.3), v2 and v3 (3.1), v4 (3.3.1) */
#define LOCI5G "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000001"
#define DF_5GS_FILES(nsc_rec, nsc_len, ri) \
	DF_("df-df-5gs", "DF.5GS", 0x5fc0, 14), \
	TR("ef-5gs3gpploci", "EF.5GS3GPPLOCI", 0x4f01, 20, 5, 0x01, LOCI5G), \
	TR("ef-5gsn3gpploci", "EF.5GSN3GPPLOCI", 0x4f02, 20, 5, 0x02, LOCI5G), \
	LF("ef-5gs3gppnsc", "EF.5GS3GPPNSC", 0x4f03, nsc_rec, nsc_len, 5, 0x03, "FF...FF"), \
	LF("ef-5gsn3gppnsc", "EF.5GSN3GPPNSC", 0x4f04, nsc_rec, nsc_len, 5, 0x04, "FF...FF"), \
	TR("ef-5gauthkeys", "EF.5GAUTHKEYS", 0x4f05, 110, 5, 0x05, NULL), \
	TR("ef-uac-aic", "EF.UAC_AIC", 0x4f06, 4, 2, 0x06, NULL), \
	TR("ef-suci-calc-info", "EF.SUCI_Calc_Info", 0x4f07, 0, 2, 0x07, "FF...FF"), \
	LF("ef-opl5g", "EF.OPL5G", 0x4f08, 0, 10, 10, 0x08, "FF...FF"), \
	TR("ef-supinai", "EF.SUPI_NAI", 0x4f09, 0, 2, 0x09, NULL), \
	TR("ef-routing-indicator", "EF.Routing_Indicator", 0x4f0a, 4, 2, 0x0a, ri)
#define DF_5GS_V2_FILES \
	BT("ef-ursp", "EF.URSP", 0x4f0b, 2, 0), \
	TR("ef-tn3gppsnn", "EF.TN3GPPSNN", 0x4f0c, 1, 2, 0x0c, "00")

static const m2m_saip_tpl_file df_5gs_files[] = {DF_5GS_FILES(1, 57, "F0FFFFFF")};
static const m2m_saip_tpl_file df_5gs_v2_files[] = {DF_5GS_FILES(1, 57, "F0FFFFFF"),
						     DF_5GS_V2_FILES};
static const m2m_saip_tpl_file df_5gs_v3_files[] = {DF_5GS_FILES(2, 62, "F0FFFFFF"),
						     DF_5GS_V2_FILES};
static const m2m_saip_tpl_file df_5gs_v4_files[] = {
	DF_5GS_FILES(2, 62, "F0FF0000"),
	DF_5GS_V2_FILES,
	TR("ef-cag", "EF.CAG", 0x4f0d, 2, 2, 0x0d, NULL),
	TR("ef-sor-cmci", "EF.SOR_CMCI", 0x4f0e, 0, 2, 0x0e, NULL),
	TR("ef-dri", "EF.DRI", 0x4f0f, 7, 2, 0x0f, NULL),
	TR("ef-5gsedrx", "EF.5GSEDRX", 0x4f10, 2, 2, 0x10, NULL),
	TR("ef-5gnswo-conf", "EF.5GNSWO_CONF", 0x4f11, 1, 2, 0x11, NULL),
	TR("ef-mchpplmn", "EF.MCHPPLMN", 0x4f15, 1, 2, 0x15, NULL),
	TR("ef-kausf-derivation", "EF.KAUSF_DERIVATION", 0x4f16, 1, 2, 0x16, NULL),
};

/* 9.5.12 to 9.5.14 */
static const m2m_saip_tpl_file df_saip_files[] = {
	DF_("df-df-saip", "DF.SAIP", 0x5fd0, 14),
	TR("ef-suci-calc-info-usim", "EF.SUCI_Calc_Info", 0x4f01, 0, 3, 0, "FF...FF"),
};

static const m2m_saip_tpl_file df_snpn_files[] = {
	DF_("df-df-snpn", "DF.SNPN", 0x5fe0, 14),
	TR("ef-pws-snpn", "EF.PWS_SNPN", 0x4f01, 1, 10, 0, NULL),
};

static const m2m_saip_tpl_file df_5gprose_files[] = {
	DF_("df-df-5g-prose", "DF.5G_ProSe", 0x5ff0, 14),
	TR("ef-5g-prose-st", "EF.5G_PROSE_ST", 0x4f01, 1, 2, 0x01, NULL),
	TR("ef-5g-prose-dd", "EF.5G_PROSE_DD", 0x4f02, 26, 2, 0x02, NULL),
	TR("ef-5g-prose-dc", "EF.5G_PROSE_DC", 0x4f03, 12, 2, 0x03, NULL),
	TR("ef-5g-prose-u2nru", "EF.5G_PROSE_U2NRU", 0x4f04, 32, 2, 0x04, NULL),
	TR("ef-5g-prose-ru", "EF.5G_PROSE_RU", 0x4f05, 29, 2, 0x05, NULL),
	TR("ef-5g-prose-uir", "EF.5G_PROSE_UIR", 0x4f06, 32, 2, 0x06, NULL),
};

/* 9.6.1 */
static const m2m_saip_tpl_file isim_files[] = {
	ADF("adf-isim", "ADF.ISIM", 14),
	TR("ef-impi", "EF.IMPI", 0x6f02, 0, 2, 0x02, NULL),
	LF("ef-impu", "EF.IMPU", 0x6f04, 1, 0, 2, 0x04, NULL),
	TR("ef-domain", "EF.DOMAIN", 0x6f03, 0, 2, 0x05, NULL),
	TR("ef-ist", "EF.IST", 0x6f07, 14, 2, 0x07, NULL),
	TR("ef-ad", "EF.AD", 0x6fad, 3, 10, 0x03, "000000"),
	LF("ef-arr", "EF.ARR", 0x6f06, 0, 0, 10, 0x06, NULL),
};

/* 9.6.2, v1 (2.3.1) and v2 (3.1 on) */
#define OPT_ISIM_FILES \
	LF("ef-pcscf", "EF.P-CSCF", 0x6f09, 1, 0, 2, 0, NULL), \
	LF("ef-sms", "EF.SMS", 0x6f3c, 10, 176, 5, 0, "00FF...FF"), \
	LF("ef-smsp", "EF.SMSP", 0x6f42, 1, 38, 5, 0, "FF...FF"), \
	TR("ef-smss", "EF.SMSS", 0x6f43, 2, 5, 0, "FFFF"), \
	LF("ef-smsr", "EF.SMSR", 0x6f47, 10, 30, 5, 0, "00FF...FF"), \
	TR("ef-gbabp", "EF.GBABP", 0x6fd5, 0, 5, 0, "FF...FF"), \
	LF("ef-gbanl", "EF.GBANL", 0x6fd7, 0, 0, 2, 0, "FF...FF"), \
	LF("ef-nafkca", "EF.NAFKCA", 0x6fdd, 0, 0, 2, 0, "FF...FF"), \
	LF("ef-uicciari", "EF.UICCIARI", 0x6fe7, 0, 0, 2, 0, NULL)

static const m2m_saip_tpl_file opt_isim_files[] = {OPT_ISIM_FILES};
static const m2m_saip_tpl_file opt_isim_v2_files[] = {
	OPT_ISIM_FILES,
	TR("ef-frompreferred", "EF.FromPreferred", 0x6ff7, 1, 2, 0, "00"),
	BT("ef-imsconfigdata", "EF.IMSConfigData", 0x6ff8, 2, 0),
	BT("ef-xcapconfigdata", "EF.XCAPConfigData", 0x6ffc, 2, 0),
	LF("ef-webrtcuri", "EF.WebRTCURI", 0x6ffa, 0, 0, 2, 0, NULL),
	BT("ef-mudmidconfigdata", "EF.MudMidCfgData", 0x6ffe, 2, 0),
};

/* 9.7 CSIM: pySim has no table; FIDs and structures from 3GPP2 C.S0065, sizes and access
 * rules are not transcribed, so the package must describe each file (complete = false). */
#define T0(pe, nm, fid) TR(pe, nm, fid, 0, 0, 0, NULL)
#define L0(pe, nm, fid) LF(pe, nm, fid, 0, 0, 0, 0, NULL)
#define C0(pe, nm, fid) CY(pe, nm, fid, 0, 0, 0, 0, NULL)
static const m2m_saip_tpl_file csim_files[] = {
	ADF("adf-csim", "ADF.CSIM", 14), L0("ef-arr", "EF.ARR", 0x6f06),
	C0("ef-call-count", "EF.COUNT", 0x6f21), T0("ef-imsi-m", "EF.IMSI_M", 0x6f22),
	T0("ef-imsi-t", "EF.IMSI_T", 0x6f23), T0("ef-tmsi", "EF.TMSI", 0x6f24),
	T0("ef-ah", "EF.AH", 0x6f25), T0("ef-aop", "EF.AOP", 0x6f26),
	T0("ef-aloc", "EF.ALOC", 0x6f27), L0("ef-cdmahome", "EF.CDMAHOME", 0x6f28),
	L0("ef-znregi", "EF.ZNREGI", 0x6f29), T0("ef-snregi", "EF.SNREGI", 0x6f2a),
	T0("ef-distregi", "EF.DISTREGI", 0x6f2b), T0("ef-accolc", "EF.ACCOLC", 0x6f2c),
	T0("ef-term", "EF.TERM", 0x6f2d), T0("ef-acp", "EF.ACP", 0x6f2f),
	T0("ef-prl", "EF.PRL", 0x6f30), T0("ef-ruimid", "EF.RUIMID", 0x6f31),
	T0("ef-csim-st", "EF.CSIM_ST", 0x6f32), T0("ef-spc", "EF.SPC", 0x6f33),
	T0("ef-otapaspc", "EF.OTAPASPC", 0x6f34), T0("ef-namlock", "EF.NAMLOCK", 0x6f35),
	T0("ef-ota", "EF.OTA", 0x6f36), T0("ef-sp", "EF.SP", 0x6f37),
	T0("ef-esn-meid-me", "EF.ESN_MEID_ME", 0x6f38), T0("ef-li", "EF.LI", 0x6f3a),
	T0("ef-usgind", "EF.USGIND", 0x6f42), T0("ef-ad", "EF.AD", 0x6f43),
	T0("ef-max-prl", "EF.MAXPRL", 0x6f45), T0("ef-spcs", "EF.SPCS", 0x6f46),
	T0("ef-mecrp", "EF.MECRP", 0x6f55), T0("ef-home-tag", "EF.HOME_TAG", 0x6f70),
	T0("ef-group-tag", "EF.GROUP_TAG", 0x6f71),
	T0("ef-specific-tag", "EF.SPECIFIC_TAG", 0x6f72),
	T0("ef-call-prompt", "EF.CALL_PROMPT", 0x6f73),
};

static const m2m_saip_tpl_file opt_csim_files[] = {
	T0("ef-ssci", "EF.SSCI", 0x6f2e), L0("ef-fdn", "EF.FDN", 0x6f3b),
	L0("ef-sms", "EF.SMS", 0x6f3c), L0("ef-smsp", "EF.SMSP", 0x6f3d),
	T0("ef-smss", "EF.SMSS", 0x6f3e), T0("ef-ssfc", "EF.SSFC", 0x6f3f),
	T0("ef-spn", "EF.SPN", 0x6f41), L0("ef-mdn", "EF.MDN", 0x6f44),
	T0("ef-ecc", "EF.ECC", 0x6f47), T0("ef-me3gpdopc", "EF.ME3GPDOPC", 0x6f48),
	T0("ef-3gpdopm", "EF.3GPDOPM", 0x6f49), T0("ef-sipcap", "EF.SIPCAP", 0x6f4a),
	T0("ef-mipcap", "EF.MIPCAP", 0x6f4b), T0("ef-sipupp", "EF.SIPUPP", 0x6f4c),
	T0("ef-mipupp", "EF.MIPUPP", 0x6f4d), T0("ef-sipsp", "EF.SIPSP", 0x6f4e),
	T0("ef-mipsp", "EF.MIPSP", 0x6f4f), T0("ef-sippapss", "EF.SIPPAPSS", 0x6f50),
	T0("ef-hrpdcap", "EF.HRPDCAP", 0x6f56), T0("ef-hrpdupp", "EF.HRPDUPP", 0x6f57),
	T0("ef-csspr", "EF.CSSPR", 0x6f58), T0("ef-atc", "EF.ATC", 0x6f59),
	T0("ef-eprl", "EF.EPRL", 0x6f5a), L0("ef-bcsmsp", "EF.BCSMSP", 0x6f5e),
	L0("ef-mmsn", "EF.MMSN", 0x6f65), L0("ef-ext8", "EF.EXT8", 0x6f66),
	T0("ef-mmsicp", "EF.MMSICP", 0x6f67), L0("ef-mmsup", "EF.MMSUP", 0x6f68),
	T0("ef-mmsucp", "EF.MMSUCP", 0x6f69), T0("ef-3gcik", "EF.3GCIK", 0x6f6b),
	T0("ef-gid1", "EF.GID1", 0x6f6d), T0("ef-gid2", "EF.GID2", 0x6f6e),
	T0("ef-sf-euimid", "EF.SF_EUIMID", 0x6f74), T0("ef-est", "EF.EST", 0x6f75),
	T0("ef-hidden-key", "EF.HIDDEN_KEY", 0x6f76), L0("ef-sdn", "EF.SDN", 0x6f79),
	L0("ef-ext2", "EF.EXT2", 0x6f7a), L0("ef-ext3", "EF.EXT3", 0x6f7b),
	C0("ef-ici", "EF.ICI", 0x6f7c), C0("ef-oci", "EF.OCI", 0x6f7d),
	L0("ef-ext5", "EF.EXT5", 0x6f7e), L0("ef-ccp2", "EF.CCP2", 0x6f7f),
	T0("ef-model", "EF.MODEL", 0x6f81),
};

/* 9.8: DF.EAP's FID is given by the package */
static const m2m_saip_tpl_file eap_files[] = {
	{"df-eap", "DF.EAP", 0, 0, M2M_SAIP_TPL_DF, 0, 14, 0, 0, NULL},
	TR("ef-eapkeys", "EF.EAPKEYS", 0x4f01, 0, 2, 0, NULL),
	TR("ef-eapstatus", "EF.EAPSTATUS", 0x4f02, 1, 2, 0, "00"),
	TR("ef-puid", "EF.PUId", 0x4f03, 0, 2, 0, NULL),
	TR("ef-ps", "EF.Ps", 0x4f04, 0, 5, 0, "FF...FF"),
	TR("ef-curid", "EF.CurID", 0x4f20, 0, 5, 0, "FF...FF"),
	TR("ef-reid", "EF.RelID", 0x4f21, 0, 5, 0, NULL),
	TR("ef-realm", "EF.Realm", 0x4f22, 0, 5, 0, NULL),
};

/* 9.10 IoT (3.3.1): not in pySim; the MF and ADF.USIM files of 9.2/9.5.1 under the IoT PE's
 * member names, sizes assumed equal to those templates (complete = false). */
static const m2m_saip_tpl_file iot_files[] = {
	MF_FILES,
	ADF("adf-usim", "ADF.USIM", 14),
	TR("ef-imsi", "EF.IMSI", 0x6f07, 9, 2, 0x07, NULL),
	LF("ef-arr-usim", "EF.ARR", 0x6f06, 0, 0, 10, 0x17, NULL),
	TR("ef-keys", "EF.Keys", 0x6f08, 33, 5, 0x08, "07FF...FF"),
	TR("ef-keysPS", "EF.KeysPS", 0x6f09, 33, 5, 0x09, "07FF...FF"),
	TR("ef-hpplmn", "EF.HPPLMN", 0x6f31, 1, 2, 0x12, "0A"),
	TR("ef-ust", "EF.UST", 0x6f38, 17, 2, 0x04, NULL),
	TR("ef-start-hfn", "EF.START-HFN", 0x6f5b, 6, 5, 0x0f, "F00000F00000"),
	TR("ef-threshold", "EF.THRESHOLD", 0x6f5c, 3, 2, 0x10, "FFFFFF"),
	TR("ef-psloci", "EF.PSLOCI", 0x6f73, 14, 5, 0x0c, "FFFFFFFFFFFFFFFFFFFF0000FF01"),
	TR("ef-acc", "EF.ACC", 0x6f78, 2, 2, 0x06, NULL),
	TR("ef-fplmn", "EF.FPLMN", 0x6f7b, 12, 5, 0x0d, "FF...FF"),
	TR("ef-loci", "EF.LOCI", 0x6f7e, 11, 5, 0x0b, "FFFFFFFFFFFFFF0000FF01"),
	TR("ef-ad", "EF.AD", 0x6fad, 4, 10, 0x03, "00000002"),
	LF("ef-ecc", "EF.ECC", 0x6fb7, 1, 4, 10, 0x01, NULL),
	TR("ef-netpar", "EF.NETPAR", 0x6fc4, 128, 5, 0, "FF...FF"),
};

static const m2m_saip_tpl_file opt_iot_files[] = {
	LF("ef-fdn", "EF.FDN", 0x6f3b, 20, 26, 8, 0, "FF...FF"),
	LF("ef-sms", "EF.SMS", 0x6f3c, 10, 176, 5, 0, "00FF...FF"),
	LF("ef-smsp", "EF.SMSP", 0x6f42, 1, 38, 5, 0, "FF...FF"),
	TR("ef-smss", "EF.SMSS", 0x6f43, 2, 5, 0, "FFFF"),
	TR("ef-spn", "EF.SPN", 0x6f46, 17, 10, 0, NULL),
	TR("ef-est", "EF.EST", 0x6f56, 1, 8, 0x05, NULL),
	TR("ef-oplmnwact", "EF.OPLMNwAcT", 0x6f61, 40, 2, 0x11, "*FFFFFF0000"),
	TR("ef-hplmnwact", "EF.HPLMNwAcT", 0x6f62, 5, 2, 0x13, "*FFFFFF0000"),
	TR("ef-ehplmn", "EF.EHPLMN", 0x6fd9, 15, 2, 0x1d, "FF...FF"),
	TR("ef-epsloci", "EF.EPSLOCI", 0x6fe3, 18, 5, 0x1e, "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFF000001"),
	LF("ef-epsnsc", "EF.EPSNSC", 0x6fe4, 1, 80, 5, 0x18, "FF...FF"),
	DF_("df-df-5gs", "DF.5GS", 0x5fc0, 14),
	TR("ef-5gs3gpploci", "EF.5GS3GPPLOCI", 0x4f01, 20, 5, 0x01, LOCI5G),
	TR("ef-5gsn3gpploci", "EF.5GSN3GPPLOCI", 0x4f02, 20, 5, 0x02, LOCI5G),
	LF("ef-5gs3gppnsc", "EF.5GS3GPPNSC", 0x4f03, 2, 62, 5, 0x03, "FF...FF"),
	LF("ef-5gsn3gppnsc", "EF.5GSN3GPPNSC", 0x4f04, 2, 62, 5, 0x04, "FF...FF"),
	TR("ef-5gauthkeys", "EF.5GAUTHKEYS", 0x4f05, 110, 5, 0x05, NULL),
	TR("ef-uac-aic", "EF.UAC_AIC", 0x4f06, 4, 2, 0x06, NULL),
	TR("ef-suci-calc-info", "EF.SUCI_Calc_Info", 0x4f07, 0, 2, 0x07, "FF...FF"),
	LF("ef-opl5g", "EF.OPL5G", 0x4f08, 0, 10, 10, 0x08, "FF...FF"),
	TR("ef-supi-nai", "EF.SUPI_NAI", 0x4f09, 0, 2, 0x09, NULL),
	TR("ef-routing-indicator", "EF.Routing_Indicator", 0x4f0a, 4, 2, 0x0a, "F0FF0000"),
	BT("ef-ursp", "EF.URSP", 0x4f0b, 2, 0),
	TR("ef-tn3gppsnn", "EF.TN3GPPSNN", 0x4f0c, 1, 2, 0x0c, "00"),
	DF_("df-df-saip", "DF.SAIP", 0x5fd0, 14),
	TR("ef-suci-calc-info-usim", "EF.SUCI_Calc_Info", 0x4f01, 0, 3, 0, "FF...FF"),
};

#define TPL(oid, name, pe, base, dflt, complete, files) \
	{TPL_OID(oid), name, pe, base, dflt, complete, files, N(files)}

static const m2m_saip_tpl templates[] = {
	TPL("2.1", "MF", "mf", M2M_SAIP_TPL_AT_ROOT, true, true, mf_files),
	TPL("2.2", "DF.CD", "cd", M2M_SAIP_TPL_AT_MF, false, true, cd_files),
	TPL("2.3", "DF.TELECOM v1", "telecom", M2M_SAIP_TPL_AT_MF, false, true, telecom_files),
	TPL("2.3.2", "DF.TELECOM v2", "telecom", M2M_SAIP_TPL_AT_MF, false, true, telecom_v2_files),
	TPL("2.4", "ADF.USIM v1", "usim", M2M_SAIP_TPL_AT_MF, true, true, usim_files),
	TPL("2.4.2", "ADF.USIM v2", "usim", M2M_SAIP_TPL_AT_MF, true, true, usim_v2_files),
	TPL("2.5", "ADF.USIM optional v1", "opt-usim", M2M_SAIP_TPL_IN_USIM, false, true,
	    opt_usim_files),
	TPL("2.5.2", "ADF.USIM optional v2", "opt-usim", M2M_SAIP_TPL_IN_USIM, false, true,
	    opt_usim_v2_files),
	TPL("2.5.3", "ADF.USIM optional v3", "opt-usim", M2M_SAIP_TPL_IN_USIM, false, true,
	    opt_usim_v2_files),
	TPL("2.6", "DF.PHONEBOOK", "phonebook", M2M_SAIP_TPL_AT_USIM, false, true, phonebook_files),
	TPL("2.7", "DF.GSM-ACCESS", "gsm-access", M2M_SAIP_TPL_AT_USIM, false, true,
	    gsm_access_files),
	TPL("2.8", "ADF.ISIM", "isim", M2M_SAIP_TPL_AT_MF, true, true, isim_files),
	TPL("2.9", "ADF.ISIM optional v1", "opt-isim", M2M_SAIP_TPL_IN_ISIM, false, true,
	    opt_isim_files),
	TPL("2.9.2", "ADF.ISIM optional v2", "opt-isim", M2M_SAIP_TPL_IN_ISIM, false, true,
	    opt_isim_v2_files),
	TPL("2.10", "ADF.CSIM v1", "csim", M2M_SAIP_TPL_AT_MF, true, false, csim_files),
	TPL("2.10.2", "ADF.CSIM v2", "csim", M2M_SAIP_TPL_AT_MF, true, false, csim_files),
	TPL("2.11", "ADF.CSIM optional v1", "opt-csim", M2M_SAIP_TPL_IN_CSIM, false, false,
	    opt_csim_files),
	TPL("2.11.2", "ADF.CSIM optional v2", "opt-csim", M2M_SAIP_TPL_IN_CSIM, false, false,
	    opt_csim_files),
	TPL("2.12", "DF.EAP", "eap", M2M_SAIP_TPL_AT_LAST_ADF, false, true, eap_files),
	TPL("2.13", "DF.5GS v1", "df-5gs", M2M_SAIP_TPL_AT_USIM, false, true, df_5gs_files),
	TPL("2.13.2", "DF.5GS v2", "df-5gs", M2M_SAIP_TPL_AT_USIM, false, true, df_5gs_v2_files),
	TPL("2.13.3", "DF.5GS v3", "df-5gs", M2M_SAIP_TPL_AT_USIM, false, true, df_5gs_v3_files),
	TPL("2.13.4", "DF.5GS v4", "df-5gs", M2M_SAIP_TPL_AT_USIM, false, true, df_5gs_v4_files),
	TPL("2.14", "DF.SAIP", "df-saip", M2M_SAIP_TPL_AT_USIM, false, true, df_saip_files),
	TPL("2.15", "DF.SNPN", "df-snpn", M2M_SAIP_TPL_AT_USIM, false, true, df_snpn_files),
	TPL("2.16", "DF.5G_ProSe", "df-5gprose", M2M_SAIP_TPL_AT_USIM, false, true,
	    df_5gprose_files),
	TPL("2.17", "IoT", "iot", M2M_SAIP_TPL_AT_ROOT, true, false, iot_files),
	TPL("2.18", "IoT optional", "opt-iot", M2M_SAIP_TPL_IN_USIM, false, false, opt_iot_files),
};

const m2m_saip_tpl *m2m_saip_tpl_find(const char *oid)
{
	if (!oid)
		return NULL;
	for (size_t i = 0; i < N(templates); i++)
		if (strcmp(templates[i].oid, oid) == 0)
			return &templates[i];
	return NULL;
}

const m2m_saip_tpl *m2m_saip_tpl_all(size_t *count)
{
	if (count)
		*count = N(templates);
	return templates;
}

const m2m_saip_tpl_file *m2m_saip_tpl_file_by_pe(const m2m_saip_tpl *t, const char *name)
{
	if (!t || !name)
		return NULL;
	for (size_t i = 0; i < t->count; i++)
		if (strcasecmp(t->files[i].pe_name, name) == 0)
			return &t->files[i];
	return NULL;
}
